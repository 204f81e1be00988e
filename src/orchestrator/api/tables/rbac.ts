import { AGE_COLUMN, NAME_COLUMN, age, col, createdAtPrinter, list, o, str, type Printer } from './common.js';

/** Roles and ClusterRoles: NAME, CREATED AT. */
export const rolePrinter: Printer = createdAtPrinter;

function bindingPrinter(kind: string): Printer {
  return {
    columns: [
      NAME_COLUMN,
      col('Role', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      AGE_COLUMN,
      col('Users', `Users in the ${kind}`, { priority: 1 }),
      col('Groups', `Groups in the ${kind}`, { priority: 1 }),
      col('ServiceAccounts', `ServiceAccounts in the ${kind}`, { priority: 1 }),
    ],
    row(b, now) {
      const ref = o(b.roleRef);
      const subjects = list(b.subjects);
      const of = (kind: string) => subjects.filter((s) => s.kind === kind);
      return {
        cells: [
          b.metadata.name,
          `${str(ref.kind)}/${str(ref.name)}`,
          age(b, now),
          of('User').map((s) => str(s.name)).join(', '),
          of('Group').map((s) => str(s.name)).join(', '),
          of('ServiceAccount').map((s) => `${str(s.namespace)}:${str(s.name)}`).join(', '),
        ],
      };
    },
  };
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');

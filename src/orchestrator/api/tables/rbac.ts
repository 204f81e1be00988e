import { AGE_COLUMN, NAME_COLUMN, age, col, list, o, str, type Printer } from './common.js';

/** Roles and ClusterRoles: NAME, CREATED AT (kube's printers print the timestamp, not an age). */
export const rolePrinter: Printer = {
  columns: [NAME_COLUMN, col('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', { type: 'date' })],
  row: (role) => ({ cells: [role.metadata.name, role.metadata.creationTimestamp ?? ''] }),
};

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

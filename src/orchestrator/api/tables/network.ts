import { AGE_COLUMN, NAME_COLUMN, age, col, list, listWithMore, o, str, type Printer } from './common.js';

export const ingressPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Class', 'ingressClassName is the name of an IngressClass cluster resource.'),
    col('Hosts', 'Hosts that incoming requests are matched against before the IngressRuleValue is applied.'),
    col('Address', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'Ports of TLS configurations that open'),
    AGE_COLUMN,
  ],
  row(ing, now) {
    const spec = o(ing.spec);
    const rules = list(spec.rules);
    // formatHosts: up to 3 hosts (rules without one are skipped), `*` when none has one.
    const shown: string[] = [];
    let more = false;
    for (const r of rules) {
      if (shown.length === 3) more = true;
      if (!more && str(r.host)) shown.push(str(r.host));
    }
    let hosts = shown.length ? shown.join(',') : '*';
    if (more && shown.length) hosts += ` + ${rules.length - 3} more...`;
    const address = list(o(o(ing.status).loadBalancer).ingress)
      .map((i) => str(i.ip) || str(i.hostname))
      .filter(Boolean)
      .join(',');
    const ports = list(spec.tls).length ? '80, 443' : '80';
    return { cells: [ing.metadata.name, str(spec.ingressClassName) || '<none>', hosts, address, ports, age(ing, now)] };
  },
};

export const endpointSlicePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
    AGE_COLUMN,
  ],
  row(es, now) {
    const ports = list(es.ports).map((p) => (typeof p.port === 'number' ? String(p.port) : str(p.name) || '*'));
    const addrs = list(es.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(String) : []));
    return { cells: [es.metadata.name, str(es.addressType), listWithMore(ports, 3, '<unset>'), listWithMore(addrs, 3, '<unset>'), age(es, now)] };
  },
};

export const leasePrinter: Printer = {
  columns: [NAME_COLUMN, col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), AGE_COLUMN],
  row: (l, now) => ({ cells: [l.metadata.name, str(o(l.spec).holderIdentity), age(l, now)] }),
};

export const hostPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Address', 'Address (and port, when not 22) of the SSH server.'),
    col('Phase', 'Provisioning phase of the host.'),
    col('Node', 'The Node this host became.'),
    AGE_COLUMN,
  ],
  row(h, now) {
    const spec = o(h.spec);
    const status = o(h.status);
    const port = typeof spec.port === 'number' && spec.port !== 22 ? `:${spec.port}` : '';
    const node = str(spec.nodeName) || str(status.nodeName) || '<none>';
    return { cells: [h.metadata.name, `${str(spec.address)}${port}`, str(status.phase) || '<unknown>', node, age(h, now)] };
  },
};

export const ingressClassPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Controller', 'controller refers to the name of the controller that should handle this class.'),
    col('Parameters', 'parameters is a link to a custom resource containing additional configuration for the controller.'),
    AGE_COLUMN,
  ],
  row(c, now) {
    const spec = o(c.spec);
    const p = o(spec.parameters);
    const params = str(p.kind) ? `${str(p.apiGroup) ? `${str(p.kind)}.${str(p.apiGroup)}` : str(p.kind)}/${str(p.name)}` : '<none>';
    return { cells: [c.metadata.name, str(spec.controller), params, age(c, now)] };
  },
};

export const addressGroupPrinter: Printer = {
  columns: [NAME_COLUMN, col('Peers', 'Selector peers of the NetworkPolicy.'), col('Addresses', 'Pod IPs the peers select.'), AGE_COLUMN],
  row(g, now) {
    const peers = list((g as { peers?: unknown }).peers);
    const ips = [...new Set(peers.flatMap((p) => list(o(p).addresses).map((a) => str(o(a).ip))))];
    return { cells: [g.metadata.name, peers.length, listWithMore(ips, 3, '<none>'), age(g, now)] };
  },
};

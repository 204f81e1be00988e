import type { StatusCause } from '../types.js';
import { asArr, asObj, asStr, each, invalid, required, type Obj } from './causes.js';
import { dns1123Label, dns1123Subdomain, isIP } from './names.js';

/**
 * The PodSpec's DNS fields, as kube-apiserver's validateDNSPolicy, validatePodDNSConfig and
 * validateHostAliases check them: `dnsPolicy: None` needs a `dnsConfig` with a nameserver; at most
 * 3 nameservers (IP addresses), 32 search domains of 2048 characters in all, options with names;
 * `hostname` and `subdomain` DNS labels; `hostAliases` with IPs and host names.
 */
export function validatePodDns(spec: Obj, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const cfg = asObj(spec.dnsConfig);
  const none = spec.dnsPolicy === 'None';
  if (none && !cfg) causes.push(required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  if (cfg) {
    const ns = asArr(cfg.nameservers);
    if (none && ns.length === 0) causes.push(required(`${path}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
    if (ns.length > 3) causes.push(invalid(`${path}.dnsConfig.nameservers`, ns, 'must not have more than 3 nameservers'));
    ns.forEach((n, i) => {
      if (typeof n !== 'string' || !isIP(n)) causes.push(invalid(`${path}.dnsConfig.nameservers[${i}]`, n, 'must be valid IP address'));
    });
    const searches = asArr(cfg.searches);
    if (searches.length > 32) causes.push(invalid(`${path}.dnsConfig.searches`, searches, 'must not have more than 32 search paths'));
    if (searches.join(' ').length > 2048) causes.push(invalid(`${path}.dnsConfig.searches`, searches, 'must not have more than 2048 characters (including spaces) in the search list'));
    searches.forEach((s, i) => {
      // A trailing dot is allowed (a fully qualified name), as Kubernetes allows it.
      const name = typeof s === 'string' ? s.replace(/\.$/, '') : '';
      causes.push(...(name ? each(`${path}.dnsConfig.searches[${i}]`, String(s), dns1123Subdomain(name)) : [invalid(`${path}.dnsConfig.searches[${i}]`, s, 'must be a DNS subdomain')]));
    });
    asArr(cfg.options).forEach((o, i) => {
      if (!asStr(asObj(o)?.name)) causes.push(required(`${path}.dnsConfig.options[${i}].name`, 'Must not be empty'));
    });
  }
  const hostname = asStr(spec.hostname);
  if (hostname) causes.push(...each(`${path}.hostname`, hostname, dns1123Label(hostname)));
  const subdomain = asStr(spec.subdomain);
  if (subdomain) causes.push(...each(`${path}.subdomain`, subdomain, dns1123Label(subdomain)));
  asArr(spec.hostAliases).forEach((raw, i) => {
    const a = asObj(raw);
    const p = `${path}.hostAliases[${i}]`;
    const ip = asStr(a?.ip);
    if (!ip || !isIP(ip)) causes.push(invalid(`${p}.ip`, a?.ip, 'must be valid IP address'));
    asArr(a?.hostnames).forEach((h, j) => {
      const name = typeof h === 'string' ? h : '';
      causes.push(...(name ? each(`${p}.hostnames[${j}]`, name, dns1123Subdomain(name)) : [invalid(`${p}.hostnames[${j}]`, h, 'must be a DNS subdomain')]));
    });
  });
  return causes;
}

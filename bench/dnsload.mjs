// DNS lookups from inside a pod's network namespace (the bench runs it with `nsenter --net`):
//   node dnsload.mjs SERVER NAME COUNT   -> {"count":N,"errors":E,"p50":ms,"p99":ms}
// One UDP query at a time (type A, a new socket and id each, as a stub resolver does), 2 s timeout.
import { createSocket } from 'node:dgram';
import * as packet from 'dns-packet';

function once(server, name, id) {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const t0 = performance.now();
    const t = setTimeout(() => {
      s.close();
      resolve({ ok: false, ms: performance.now() - t0 });
    }, 2000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      const r = packet.decode(m);
      resolve({ ok: r.id === id && (r.answers ?? []).length > 0, ms: performance.now() - t0 });
    });
    s.send(packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), 53, server);
  });
}

const [server, name, count] = process.argv.slice(2);
const times = [];
let errors = 0;
for (let i = 0; i < Number(count); i++) {
  const r = await once(server, name, (i * 7919) % 65536);
  if (r.ok) times.push(r.ms);
  else errors++;
}
times.sort((a, b) => a - b);
const pct = (p) => (times.length ? times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] : NaN);
console.log(JSON.stringify({ count: times.length, errors, p50: pct(50), p99: pct(99) }));

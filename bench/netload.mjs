// HTTP load from inside a lab host's network namespace (the bench runs it with `ip netns exec`):
//   node netload.mjs load URL SECONDS CONCURRENCY   -> {"requests":N,"errors":E,"seconds":S,"p50":ms,"p99":ms}
//   node netload.mjs first URL TIMEOUT_MS           -> {"at":epochMs} of the first 200, polling every 5 ms
//   node netload.mjs watch URL                      -> one line per answer, "startEpochMs body", until killed
// A new connection per request (no keep-alive): each one crosses the service rules as a new flow.
import { get } from 'node:http';

function once(url, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d.toString()));
      res.on('end', () => resolve({ ok: res.statusCode === 200, ms: performance.now() - t0, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ ok: false, ms: performance.now() - t0 }));
  });
}

const [mode, url, a, b] = process.argv.slice(2);
if (mode === 'load') {
  const seconds = Number(a);
  const concurrency = Number(b);
  const end = performance.now() + seconds * 1000;
  const times = [];
  let errors = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const r = await once(url, 5000);
      if (r.ok) times.push(r.ms);
      else errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const took = (performance.now() - t0) / 1000;
  times.sort((x, y) => x - y);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? NaN;
  process.stdout.write(JSON.stringify({ requests: times.length, errors, seconds: took, p50: q(0.5), p99: q(0.99) }) + '\n');
} else if (mode === 'first') {
  const deadline = Date.now() + Number(a);
  for (;;) {
    const r = await once(url, 500);
    if (r.ok) {
      process.stdout.write(JSON.stringify({ at: Date.now() }) + '\n');
      break;
    }
    if (Date.now() > deadline) {
      process.stdout.write(JSON.stringify({ at: null }) + '\n');
      break;
    }
    await new Promise((r2) => setTimeout(r2, 5));
  }
} else if (mode === 'watch') {
  // One connection at a time, back to back: which server each new connection reached, and when it started.
  for (;;) {
    const start = Date.now();
    const r = await once(url, 1000);
    if (r.ok) process.stdout.write(`${start} ${r.body}\n`);
    else await new Promise((r2) => setTimeout(r2, 2));
  }
} else {
  process.stderr.write('usage: netload.mjs load URL SECONDS CONCURRENCY | first URL TIMEOUT_MS | watch URL\n');
  process.exit(2);
}

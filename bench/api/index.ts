// `npm run bench -- api`: the API server under load, each figure beside the same run with the
// watch cache and API priority and fairness turned off ("before"), in one run.
import { loadavg } from 'node:os';
import { fmtMs, table } from './harness.js';
import { listBench, PODS, type Lat, type ListFigures } from './listBench.js';
import { scaleBench, type Sample, type ScaleFigures } from './scaleBench.js';

const REPLICAS = Number(process.env.BENCH_SCALE_REPLICAS ?? 20000);
const WINDOW = Number(process.env.BENCH_SCALE_SECONDS ?? 240);
const BEFORE_WINDOW = Number(process.env.BENCH_SCALE_BEFORE_SECONDS ?? 60);
const DELETE_WAIT = Number(process.env.BENCH_DELETE_SECONDS ?? 300);

const BEFORE = { watchCache: { enabled: false }, flowControl: { enabled: false } };
const AFTER = {};

const backAfter = (f: ListFigures) => (f.rssBackAfterSec === undefined ? `not within ${((Number(process.env.BENCH_LIST_SETTLE_MAX_MS ?? 120_000)) / 1000).toFixed(0)} s (x${(f.rssBackMb / f.rssWithPodsMb).toFixed(2)})` : `${f.rssBackAfterSec.toFixed(0)} s (x${(f.rssBackMb / f.rssWithPodsMb).toFixed(2)})`);
const lat = (l: Lat) => `${fmtMs(l.p50)} / ${fmtMs(l.p99)}`;
const mb = (x: number) => `${x.toFixed(0)} MB`;
const sample = (x: Sample | undefined) => (x ? `${fmtMs(x.p50)} / ${fmtMs(x.p99)} / ${fmtMs(x.max)}${x.timeouts ? `, ${x.timeouts} of ${x.n} unanswered in 10 s` : ''}` : '-');

function printList(before: ListFigures, after: ListFigures): void {
  console.log(`\nLIST of ${PODS} pods (${after.listMb.toFixed(1)} MB JSON), p50 / p99`);
  table([
    ['', 'before (store, whole)', 'after (watch cache, streamed)'],
    [`create ${PODS} pods, 16 clients`, `${before.createSec.toFixed(1)} s`, `${after.createSec.toFixed(1)} s`],
    ['JSON, alone', lat(before.json), lat(after.json)],
    ['Table, alone', lat(before.table), lat(after.table)],
    ['JSON, 16 clients at once', lat(before.json16), lat(after.json16)],
    ['Table, 16 clients at once', lat(before.table16), lat(after.table16)],
    ['/healthz during the 16 Table lists (p50 / p99 / max)', `${lat(before.healthzDuring16)} / ${fmtMs(before.healthzDuring16.max)}`, `${lat(after.healthzDuring16)} / ${fmtMs(after.healthzDuring16.max)}`],
    ['server event-loop delay then (p99 / max)', `${fmtMs(before.loopDuring16.p99)} / ${fmtMs(before.loopDuring16.max)}`, `${fmtMs(after.loopDuring16.p99)} / ${fmtMs(after.loopDuring16.max)}`],
    ['limit=500: whole pass through the pods', lat(before.pagingPass), lat(after.pagingPass)],
    ['limit=500: one page', lat(before.page), lat(after.page)],
  ]);
  console.log('\nserver RSS');
  table([
    ['', 'before', 'after'],
    ['idle, empty', mb(before.rssIdleMb), mb(after.rssIdleMb)],
    [`idle with ${PODS} pods`, mb(before.rssWithPodsMb), mb(after.rssWithPodsMb)],
    ['after the lists', mb(before.rssAfterListsMb), mb(after.rssAfterListsMb)],
    ['15 s later', mb(before.rssSettledMb), mb(after.rssSettledMb)],
    ['15 s later / idle with pods', `x${(before.rssSettledMb / before.rssWithPodsMb).toFixed(2)}`, `x${(after.rssSettledMb / after.rssWithPodsMb).toFixed(2)}`],
    ['back within 1.5x of idle with pods after', backAfter(before), backAfter(after)],
    ['then: RSS / V8 heap in use', `${mb(before.rssBackMb)} / ${mb(before.heapBackMb)}`, `${mb(after.rssBackMb)} / ${mb(after.heapBackMb)}`],
  ]);
  if (before.page.p50 === before.pagingPass.p50) console.log('  (before: the store path does not page; each "page" is the whole list)');
}

const scaleBack = (f: ScaleFigures) => (f.rssBackMb === undefined ? '-' : f.rssBackAfterSec === undefined ? `not within 140 s (${mb(f.rssBackMb)})` : `${f.rssBackAfterSec.toFixed(0)} s (${mb(f.rssBackMb)}, x${(f.rssBackMb / f.rssIdleMb).toFixed(2)})`);
const rssLine = (f: ScaleFigures) => `${mb(f.rssIdleMb)} / ${mb(f.rssPeakMb)} / ${f.rssAfterMb !== undefined ? `${mb(f.rssAfterMb)} (x${(f.rssAfterMb / f.rssIdleMb).toFixed(2)})` : '-'}`;

const noEvents = (f: ScaleFigures) =>
  f.eventsLeft === undefined ? '-' : `${f.eventsLeft} Events; ${f.rssNoEventsMb !== undefined ? mb(f.rssNoEventsMb) : '?'} / ${f.heapNoEventsMb !== undefined ? mb(f.heapNoEventsMb) : '?'} ${f.rssNoEventsAfterSec !== undefined ? `(within 1.5x after ${f.rssNoEventsAfterSec.toFixed(0)} s)` : '(not within 1.5x in 120 s)'}`;

function printScale(before: ScaleFigures, after: ScaleFigures): void {
  console.log(`\nDeployment of ${REPLICAS} replicas, no nodes (latencies p50 / p99 / max)`);
  const created = (f: ScaleFigures) => (f.allCreatedSec !== undefined ? `all in ${f.allCreatedSec.toFixed(0)} s` : `${f.podsCreated} in ${f.windowSec.toFixed(0)} s`);
  table([
    ['', `before (first ${BEFORE_WINDOW} s)`, 'after'],
    ['pods created', created(before), created(after)],
    ['/healthz while creating', sample(before.healthz), sample(after.healthz)],
    ['GET deployment while creating', sample(before.get), sample(after.get)],
    ['server event-loop delay (worst 2 s p99 / max)', `${fmtMs(before.loop.p99)} / ${fmtMs(before.loop.max)}`, `${fmtMs(after.loop.p99)} / ${fmtMs(after.loop.max)}`],
    ['DELETE deployment answered', before.deleteMs !== undefined ? fmtMs(before.deleteMs) : 'no answer in 60 s', after.deleteMs !== undefined ? fmtMs(after.deleteMs) : 'no answer in 60 s'],
    ['all its pods gone', before.goneSec !== undefined ? `${before.goneSec.toFixed(0)} s` : 'not measured', after.goneSec !== undefined ? `${after.goneSec.toFixed(0)} s` : `${after.podsLeft ?? '?'} left after ${DELETE_WAIT} s`],
    ['/healthz while deleting', sample(before.healthzDelete), sample(after.healthzDelete)],
    ['GET deployment while deleting', sample(before.getDelete), sample(after.getDelete)],
    ['server RSS: idle / highest / 20 s after the pods were gone', rssLine(before), rssLine(after)],
    ['back within 1.5x of idle after the pods were gone', scaleBack(before), scaleBack(after)],
    ['then: V8 heap in use', before.heapBackMb !== undefined ? mb(before.heapBackMb) : '-', after.heapBackMb !== undefined ? mb(after.heapBackMb) : '-'],
    ['if not: the Events left (live for 1 h), deleted; then RSS / heap', noEvents(before), noEvents(after)],
  ]);
}

/** The machine's load average: figures from a busy machine read differently. */
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');

export async function apiBench(): Promise<void> {
  const parts = (process.env.BENCH_API_PARTS ?? 'list,scale').split(',');
  console.log(`load average (1 / 5 / 15 min) at start: ${load()}`);
  if (parts.includes('list')) {
    console.log(`API LIST bench: ${PODS} pods; "before" = watch cache and API priority and fairness off`);
    const before = await listBench(BEFORE);
    const after = await listBench(AFTER);
    printList(before, after);
  }
  if (parts.includes('scale')) {
    console.log(`\nAPI scale bench: a Deployment of ${REPLICAS} replicas; "before" observed for ${BEFORE_WINDOW} s, "after" up to ${WINDOW} s`);
    const before = await scaleBench(BEFORE, { replicas: REPLICAS, windowSec: BEFORE_WINDOW, deleteWaitSec: 0, cached: false });
    const after = await scaleBench(AFTER, { replicas: REPLICAS, windowSec: WINDOW, deleteWaitSec: DELETE_WAIT, cached: true });
    printScale(before, after);
  }
  console.log(`\nload average at the end: ${load()}`);
}

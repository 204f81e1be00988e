// Code the main process runs on worker threads, bundled beside the bundle that starts it (each
// looks for its file next to itself): scripts/build.mjs and the bench's server bundles use this list.
export const workerEntries = {
  // The API server's body decoders (apiserver/bodyDecoder.ts).
  bodyDecodeWorker: 'src/orchestrator/apiserver/bodyDecodeWorker.ts',
  // The datastore's writer (store/writers.ts ThreadWriter).
  storeWriterThread: 'src/orchestrator/store/writerThread.ts',
};

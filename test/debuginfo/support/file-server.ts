// A debuginfod stand-in for the tests: fixed bodies by URL path (percent-decoded) on 127.0.0.1, 404 for
// everything else, every request path recorded.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FileServer {
  url: string;
  /** The paths asked for, in order, percent-decoded. */
  requests: string[];
  close(): void;
}

/** Serves `bodies` (a path's bytes, or a file's contents already read); `bodies` may change while it runs. */
export async function serveFiles(bodies: Map<string, Uint8Array>): Promise<FileServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const at = decodeURIComponent(req.url ?? '');
    requests.push(at);
    const body = bodies.get(at);
    if (!body) return void res.writeHead(404, 'Not Found').end();
    res.writeHead(200, { 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => void server.close() };
}

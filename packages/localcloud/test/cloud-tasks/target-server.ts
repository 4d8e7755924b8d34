import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { closeServer, listen, readBody } from '../../src/http-util';

export interface Received {
  atMs: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback HTTP target that records requests and answers the scripted statuses (then 200). */
export async function startTarget() {
  const received: Received[] = [];
  const script: number[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      received.push({
        atMs: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: body.toString('utf8'),
      });
      res.writeHead(script.shift() ?? 200).end();
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (...statuses: number[]) => script.push(...statuses),
    close: () => closeServer(server),
  };
}

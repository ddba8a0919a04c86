// The baseline: plain node:http answering a JSON body of a given size, nothing else.
// It reads the request body first, as any real handler must. Usage: node bare-server.js <bytes>
import http from 'node:http';

const size = Number(process.argv[2]);
const filler = Math.max(0, size - '{"p":""}'.length);
const body = Buffer.from(JSON.stringify({ p: 'x'.repeat(filler) }));

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port, bytes: body.length }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// What the rebuilder service tests share: real tiny Debian packages built once,
// flat apt repositories made with apt-ftparchive, static http servers on
// 127.0.0.1 that each test closes, and a config file.
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { debianPackage } from '../suites/fixtures.js';
import { tempDir } from '../helpers.js';

export type Upload = Readonly<{ dir: string; name: string; files: string[] }>;

/**
 * Builds NAME 1.0 (binary and source) like an official upload: .dsc, .tar.xz, _all.deb,
 * _amd64.buildinfo; `epoch` makes the version E:1.0; `replacing` replaces the package's own.
 */
export async function officialUpload(
  name = 'tinyhello',
  epoch?: number,
  replacing: Readonly<Record<string, string>> = {},
): Promise<Upload> {
  const dir = await tempDir('tb-upload-');
  await debianPackage(join(dir, name), name);
  for (const [file, text] of Object.entries(replacing)) await writeFile(join(dir, name, file), text);
  if (epoch !== undefined) {
    const changelog = join(dir, name, 'debian', 'changelog');
    await writeFile(changelog, (await readFile(changelog, 'utf8')).replace(`${name} (1.0)`, `${name} (${epoch}:1.0)`));
  }
  const built = await realProcesses.capture(
    ['sh', '-c', `cd '${dir}/${name}' && dpkg-buildpackage -us -uc -b && cd .. && dpkg-source -b ${name}`],
    { timeoutMs: 180_000 },
  );
  expect(built.exitCode, built.stderr).to.equal(0);
  const files = (await readdir(dir)).filter((f) => /\.(dsc|tar\.xz|deb|buildinfo)$/.test(f));
  return { dir, name, files };
}

/** A flat repository (Sources, Packages, Release) holding the given files. */
export async function flatRepository(dir: string, uploads: readonly Upload[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const upload of uploads) for (const f of upload.files) await copyFile(join(upload.dir, f), join(dir, f));
  await reindex(dir);
  return dir;
}

/** Regenerates the indexes after a file changed (what a compromised archive would do). */
export async function reindex(dir: string): Promise<void> {
  const made = await realProcesses.capture(
    [
      'sh',
      '-c',
      'cd "$0" && apt-ftparchive packages . > Packages && apt-ftparchive sources . > Sources && apt-ftparchive release . > Release',
      dir,
    ],
    { timeoutMs: 60_000 },
  );
  expect(made.exitCode, made.stderr).to.equal(0);
}

export type StaticServer = Readonly<{
  url: string;
  port: number;
  close: () => Promise<void>;
  /** Request paths as sent (not decoded). */ requests: string[];
}>;

/** Serves `root` read-only on 127.0.0.1 (URL-decoded paths, no way out of root). */
export async function serveDirectory(root: string): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    if (path.split('/').includes('..')) return void response.writeHead(403).end();
    readFile(join(root, path)).then(
      (body) => response.writeHead(200, { 'content-length': body.length }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A repository of a test config: signed with `keyring` (gpgv checks its InRelease or Release.gpg), else "unsigned": true. */
export type RepoEntry = Readonly<{ name: string; url: string; release?: boolean; keyring?: string }>;

/** One `repositories` entry of a rebuilder config, for a flat repository of the fixtures. */
export const repositoryConfig = (r: RepoEntry) => ({
  name: r.name,
  url: r.url,
  sources: 'Sources',
  packages: ['Packages'],
  buildinfo: '.',
  ...(r.release === false ? {} : { release: 'Release' }),
  ...(r.keyring === undefined ? { unsigned: true } : { keyring: r.keyring }),
});

/** A service config in `dir` (publish, state beside it); returns its path. */
export async function serviceConfig(
  dir: string,
  repos: readonly RepoEntry[],
  key: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const config = {
    repositories: repos.map(repositoryConfig),
    signingKey: key,
    publish: join(dir, 'publish'),
    state: join(dir, 'state'),
    concurrency: 2,
    ...extra,
  };
  const path = join(dir, 'rebuilder.json');
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}

/** How a hostile server answers one path: whole bytes, or a handler of its own (slow, endless…) that counts what it writes. */
export type Route =
  Buffer | string | ((request: IncomingMessage, response: ServerResponse, count: (bytes: number) => void) => void);

export type RouteServer = StaticServer &
  Readonly<{
    /** Paths whose answer the client left before its end. */
    closedEarly: string[];
    /** Bytes written by the handlers, by path. */
    written: Map<string, number>;
  }>;

/** A server on 127.0.0.1 answering only the given paths (404 otherwise); close() ends every connection. */
export async function serveRoutes(routes: Readonly<Record<string, Route>>): Promise<RouteServer> {
  const requests: string[] = [];
  const closedEarly: string[] = [];
  const written = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    response.on('close', () => {
      if (!response.writableFinished) closedEarly.push(path);
    });
    const route = routes[path];
    if (route === undefined) return void response.writeHead(404).end();
    if (typeof route === 'function')
      return route(request, response, (bytes) => written.set(path, (written.get(path) ?? 0) + bytes));
    const body = Buffer.from(route);
    response.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    closedEarly,
    written,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Sends `chunk` every `everyMs` (the headers first, or, with `headersToo`, the headers a byte at a time too) until the client leaves. */
export const trickle =
  (chunk: Buffer, everyMs: number, headersToo = false): Route =>
  (_request, response, count) => {
    const head = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n');
    let sent = 0;
    if (!headersToo) response.writeHead(200, { 'content-type': 'text/plain' }).flushHeaders();
    const timer = setInterval(() => {
      if (headersToo && sent < head.length) response.socket?.write(head.subarray(sent, ++sent));
      else {
        count(chunk.length);
        if (headersToo) response.socket?.write(chunk);
        else response.write(chunk);
      }
    }, everyMs);
    response.on('close', () => clearInterval(timer));
  };

/** Sends `chunk` as fast as the client reads, until it leaves. */
export const endless =
  (chunk: Buffer, headers: Record<string, string | number> = {}): Route =>
  (_request, response, count) => {
    response.writeHead(200, headers);
    let open = true;
    response.on('close', () => (open = false));
    const pump = () => {
      while (open) {
        count(chunk.length);
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
    };
    pump();
  };

// A private PostgreSQL for team-mode e2e tests: initdb into a temp dir, pg_ctl on a Unix socket in it (no TCP
// port, so runs never collide), removed by stop(). Debian's server binaries (/usr/lib/postgresql/N/bin). As
// root the server runs as the postgres user (PostgreSQL refuses root). No PostgreSQL: a clear error, never a skip.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const user = 'drawbridge';

function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/setup');
  return join(root, versions[0], 'bin');
}

export function startPostgres() {
  const bin = binDir();
  const dir = mkdtempSync('/tmp/dbpg-e2e-');
  const asRoot = process.getuid() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const asServer = (program, args, timeout = 60_000) => (asRoot
    ? execFileSync('runuser', ['-u', 'postgres', '--', program, ...args], { timeout, stdio: 'pipe' })
    : execFileSync(program, args, { timeout, stdio: 'pipe' }));
  const data = join(dir, 'data');
  asServer(join(bin, 'initdb'), ['-D', data, '-U', user, '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  asServer(join(bin, 'pg_ctl'), ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'log'),
    '-o', `-k ${dir} -c listen_addresses= -F`]);
  const client = ['-h', dir, '-p', '5432', '-U', user];
  const pg = {
    dir,
    url: (db) => `postgresql:///${db}?host=${dir}&port=5432&user=${user}`,
    sql: (db, statement) => execFileSync(join(bin, 'psql'), [...client, '-d', db, '-Atqc', statement],
      { encoding: 'utf8', timeout: 30_000 }),
    createDatabase: (db) => pg.sql('postgres', `CREATE DATABASE "${db}"`),
    /** The logical backup an operator would keep. */
    dump: (db) => execFileSync(join(bin, 'pg_dump'), [...client, '-d', db], { encoding: 'utf8', timeout: 60_000 }),
    stop() {
      try {
        asServer(join(bin, 'pg_ctl'), ['stop', '-w', '-m', 'immediate', '-D', data]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return pg;
}

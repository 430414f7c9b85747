#!/usr/bin/env node
// fake-kiro (Node): the independent fake Kiro upstream as a program, for harness.mjs and manual runs.
//   node fake-kiro.mjs [--port N] [--seed N] [--coalesced] [--max-piece N] [--max-chunk N] [--pause-ms A,B]
//                      [--tls CERT KEY] [--account NAME:REFRESH_TOKEN]… [--static-token T]… [--text TEXT]
//                      [--tool NAME:JSON]… [--no-auth] [--require-profile-arn] [--quiet]
//                      [--endpoint PREFIX:social-only|gone|any]…  (another host of the service under PREFIX)
//                      [--models ACCOUNT:ID,ID…]…  (the account's tier: its ListAvailableModels and chat models)
// Prints "fake-kiro (node) listening on URL seed=N delivery=MODE" on stdout once it accepts connections.
import { readFileSync } from 'node:fs';

import { startFakeKiro } from './fakekiro.mjs';

function parseArgs(argv) {
  const o = { accounts: {}, staticTokens: [], toolArgs: {}, endpoints: {}, models: {} };
  let quiet = false;
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--port': o.port = Number(next()); break;
      case '--seed': o.seed = Number(next()) >>> 0; break;
      case '--coalesced': o.delivery = 'coalesced'; break;
      case '--trickle': o.delivery = 'trickle'; break;
      case '--max-piece': o.maxPiece = Number(next()); break;
      case '--max-chunk': o.maxChunk = Number(next()); break;
      case '--pause-ms': o.pauseMs = next().split(',').map(Number); break;
      case '--tls': o.tls = { cert: readFileSync(next()), key: readFileSync(next()) }; break;
      case '--account': {
        const [name, ...token] = next().split(':');
        o.accounts[token.join(':')] = name;
        break;
      }
      case '--static-token': o.staticTokens.push(next()); break;
      case '--text': o.text = next(); break;
      case '--tool': {
        const v = next();
        const colon = v.indexOf(':');
        o.toolArgs[v.slice(0, colon)] = JSON.parse(v.slice(colon + 1));
        break;
      }
      case '--endpoint': {
        const v = next();
        const colon = v.lastIndexOf(':');
        o.endpoints[v.slice(0, colon)] = v.slice(colon + 1);
        break;
      }
      case '--models': {
        const v = next();
        const colon = v.indexOf(':');
        o.models[v.slice(0, colon)] = v.slice(colon + 1).split(',').filter(Boolean);
        break;
      }
      case '--no-auth': o.requireAuth = false; break;
      case '--require-profile-arn': o.requireProfileArn = true; break;
      case '--quiet': quiet = true; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (o.pauseMs && (o.pauseMs.length === 1)) o.pauseMs = [o.pauseMs[0], o.pauseMs[0]];
  if (!quiet) o.log = (line) => process.stderr.write(`fake-kiro: ${line}\n`);
  return o;
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`fake-kiro: ${e.message}\n`);
  process.exit(2);
}
const fake = await startFakeKiro(options);
process.stdout.write(`fake-kiro (node) listening on ${fake.url} seed=${fake.config.seed} delivery=${fake.config.delivery}\n`);
const stop = () => fake.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

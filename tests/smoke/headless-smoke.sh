#!/usr/bin/env bash
# Smoke test of a headless drawbridge binary: start, health, --version/--help, config errors, port in use,
# clean SIGTERM. Usage: tests/smoke/headless-smoke.sh path/to/drawbridge
# Everything runs on 127.0.0.1 in a throwaway HOME; every wait is bounded.
set -euo pipefail

bin=${1:?usage: headless-smoke.sh path/to/drawbridge}
[[ -x "$bin" ]] || { echo "smoke: not an executable: $bin" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/drawbridge-smoke.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_CACHE_HOME=$work/cache
export XDG_RUNTIME_DIR=$work/runtime QT_QPA_PLATFORM=offscreen LC_ALL=C.UTF-8
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset DRAWBRIDGE_CONFIG DRAWBRIDGE_DATA_DIR DRAWBRIDGE_HOST DRAWBRIDGE_PORT
export DRAWBRIDGE_ADMIN_TOKEN=smoke-admin-token-0123456789

failures=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*" >&2; failures=$((failures + 1)); }

# start_server NAME ARGS…: starts the binary in the background; sets $server_pid and $server_out.
start_server() {
  local name=$1
  shift
  server_out=$work/$name.out
  "$bin" "$@" >"$server_out" 2>"$work/$name.err" &
  server_pid=$!
  pids+=("$server_pid")
}

# wait_listening: waits up to 10 s for the listening line; sets $base_url.
wait_listening() {
  local i line
  base_url=""
  for ((i = 0; i < 100; i++)); do
    line=$(grep -m1 -E '^drawbridge listening on http://127\.0\.0\.1:[0-9]+$' "$server_out" 2>/dev/null || true)
    if [[ -n "$line" ]]; then
      base_url=${line#drawbridge listening on }
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# wait_exit PID SECONDS: waits for PID to exit, sets $exit_code; returns 1 on timeout.
wait_exit() {
  local pid=$1 limit=$2 i
  for ((i = 0; i < limit * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      exit_code=0
      wait "$pid" || exit_code=$?
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# run_bounded SECONDS CMD…: runs CMD with a time limit, capturing stdout/stderr in $work/run.{out,err}.
run_bounded() {
  local limit=$1
  shift
  run_code=0
  timeout --kill-after=2 "$limit" "$@" >"$work/run.out" 2>"$work/run.err" || run_code=$?
}

# --- 1. start, listening line, /health -----------------------------------------------------------------
start_server main --headless --ephemeral --port 0
if wait_listening; then
  pass "listening line: $base_url"
else
  fail "no 'drawbridge listening on http://127.0.0.1:PORT' line within 10 s"
  echo "--- stdout" >&2; cat "$server_out" >&2 || true
  echo "--- stderr" >&2; cat "$work/main.err" >&2 || true
  exit 1
fi
lines=$(wc -l <"$server_out")
[[ $lines -eq 1 ]] && pass "stdout has exactly one line" || fail "stdout has $lines lines: $(cat "$server_out")"

health=$(curl -sS --max-time 5 "$base_url/health" || true)
if [[ $health =~ \"status\"[[:space:]]*:[[:space:]]*\"[a-z]+\" ]]; then
  pass "/health: $health"
else
  fail "/health did not answer JSON with a status: '$health'"
fi
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$base_url/v1/models" || true)
[[ $code == 401 ]] && pass "/v1/models without a key: 401" || fail "/v1/models without a key answered $code, want 401"
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $DRAWBRIDGE_ADMIN_TOKEN" \
  "$base_url/admin/keys" || true)
[[ $code == 200 ]] && pass "/admin/keys with the admin token: 200" || fail "/admin/keys answered $code, want 200"

# --- 2. port already in use ----------------------------------------------------------------------------
port=${base_url##*:}
run_bounded 10 "$bin" --headless --ephemeral --port "$port"
# Log lines may precede it on stderr; the reason is the one "drawbridge: …" line.
reason=$(grep -E '^drawbridge: ' "$work/run.err" | grep -v -i 'warning' || true)
if [[ $run_code -ne 0 && $run_code -lt 124 ]] && [[ $(grep -c . <<<"$reason") -eq 1 ]] \
  && grep -qiE "$port.*(in use|already)|(in use|already).*$port" <<<"$reason"; then
  pass "port in use: exit $run_code, '$reason'"
else
  fail "port in use: exit $run_code (want non-zero, no timeout, one 'drawbridge: …' line naming port $port), stderr: '$(cat "$work/run.err")'"
fi
grep -q 'listening on' "$work/run.out" && fail "port in use: printed a listening line anyway"

# --- 3. SIGTERM -> exit 0 ------------------------------------------------------------------------------
kill -TERM "$server_pid"
if wait_exit "$server_pid" 5; then
  [[ $exit_code -eq 0 ]] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $exit_code, want 0"
else
  fail "SIGTERM: still running after 5 s"
fi

# --- 4. --version, --help ------------------------------------------------------------------------------
run_bounded 10 "$bin" --version
if [[ $run_code -eq 0 ]] && grep -q 'drawbridge' "$work/run.out"; then
  pass "--version: $(head -n1 "$work/run.out")"
else
  fail "--version: exit $run_code, stdout '$(cat "$work/run.out")'"
fi
run_bounded 10 "$bin" --help
if [[ $run_code -eq 0 ]] && grep -q -- '--headless' "$work/run.out"; then
  pass "--help: exit 0, mentions --headless"
else
  fail "--help: exit $run_code, stdout '$(head -c 300 "$work/run.out")'"
fi

# --- 5. config errors ----------------------------------------------------------------------------------
# A one-line reason on stderr, non-zero exit, no listening line.
check_config_error() {
  local what=$1 file=$2 pattern=$3
  run_bounded 10 "$bin" --headless --ephemeral --port 0 --config "$file"
  local reason
  reason=$(grep -v -i 'warning' "$work/run.err" || true)
  if [[ $run_code -eq 0 || $run_code -ge 124 ]]; then
    fail "$what: exit $run_code, want a non-zero exit (stderr: '$(cat "$work/run.err")')"
  elif grep -q 'listening on' "$work/run.out"; then
    fail "$what: printed a listening line"
  elif [[ $(grep -c . <<<"$reason") -ne 1 ]]; then
    fail "$what: want exactly one line of reason on stderr, got: '$reason'"
  elif ! grep -qE "$pattern" <<<"$reason"; then
    fail "$what: the reason does not match /$pattern/: '$reason'"
  else
    pass "$what: exit $run_code, '$reason'"
  fi
}

printf '[server]\nport = 0\n\n[kiro\nregion = "us-east-1"\n' >"$work/bad-syntax.toml"
check_config_error "unparsable TOML" "$work/bad-syntax.toml" '(line|:)[[:space:]]*4([^0-9]|$)'

printf '[server]\nport = "eighty"\n' >"$work/bad-type.toml"
check_config_error "wrong-typed key" "$work/bad-type.toml" 'port'

printf '[kiro]\nslots_per_account = true\n' >"$work/bad-type2.toml"
check_config_error "wrong-typed key (kiro)" "$work/bad-type2.toml" 'slots_per_account'

run_bounded 10 "$bin" --headless --ephemeral --port 0 --config "$work/does-not-exist/x.toml"
if [[ $run_code -ne 0 && $run_code -lt 124 ]]; then
  pass "missing --config file: exit $run_code, '$(head -n1 "$work/run.err")'"
else
  # An explicit --config that does not exist should not silently run with defaults.
  fail "missing --config file: exit $run_code, want non-zero"
fi

# --- 6. a valid config file with an unknown key still starts (warning only) ----------------------------
printf '[server]\nport = 0\nmystery = 1\n\n[limits]\ndefault_rpm = 10\n' >"$work/ok.toml"
start_server okcfg --headless --ephemeral --config "$work/ok.toml"
if wait_listening; then
  pass "valid config with an unknown key starts: $base_url"
  grep -qi 'mystery' "$work/okcfg.err" && pass "unknown key is warned about" \
    || fail "unknown key 'mystery' not mentioned on stderr: '$(cat "$work/okcfg.err")'"
  kill -TERM "$server_pid"
  if wait_exit "$server_pid" 5; then
    [[ $exit_code -eq 0 ]] || fail "SIGTERM (second run): exit $exit_code"
  else
    fail "SIGTERM (second run): still running after 5 s"
  fi
else
  fail "valid config did not start: $(cat "$work/okcfg.err")"
fi

# --- 7. SIGINT drains and exits 0 as well ---------------------------------------------------------------
start_server sigint --headless --ephemeral --port 0
if wait_listening; then
  kill -INT "$server_pid"
  if wait_exit "$server_pid" 5; then
    [[ $exit_code -eq 0 ]] && pass "SIGINT: exit 0" || fail "SIGINT: exit $exit_code, want 0"
  else
    fail "SIGINT: still running after 5 s"
  fi
else
  fail "third start did not print the listening line: $(cat "$work/sigint.err")"
fi

if ((failures > 0)); then
  echo "headless smoke: $failures check(s) failed" >&2
  exit 1
fi
echo "headless smoke: all checks passed"

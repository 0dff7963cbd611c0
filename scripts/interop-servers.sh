#!/usr/bin/env bash
# Real servers from Debian for the interop tests (tests/interop/main.rs):
# nginx (TLS with HTTP/2 and client certificates, plain HTTP, a Unix socket),
# tinyproxy twice (open, and with Basic auth) and dante (SOCKS5), all on
# 127.0.0.1, with a private CA made by openssl.
#
#   bash scripts/interop-servers.sh start <dir>   # writes <dir>/interop.env
#   bash scripts/interop-servers.sh stop <dir>    # stops what start started
#
# `start` needs root and apt-get to install what is missing; without them it
# writes the reason to <dir>/skipped and exits 0, and the tests are skipped.
# A daemon that does not start once installed is a failure (exit 1).
set -euo pipefail

usage() {
  echo "usage: $0 start|stop <dir>" >&2
  exit 2
}

[ $# -eq 2 ] || usage
action=$1
dir=$2

# Every daemon writes its pid here; `stop` reads them.
pid_files=(nginx.pid tinyproxy-open.pid tinyproxy-auth.pid danted.pid)

stop() {
  local name pid
  for name in "${pid_files[@]}"; do
    [ -f "$dir/$name" ] || continue
    pid=$(tr -dc '0-9' <"$dir/$name" || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      # Bounded: 50 × 0.1 s, then SIGKILL.
      for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$name"
  done
}

skip() {
  echo "interop servers skipped: $1"
  printf '%s\n' "$1" >"$dir/skipped"
  exit 0
}

# Prints a daemon's log, stops everything started so far, and fails.
fail() {
  local what=$1 log=$2
  echo "interop servers: $what" >&2
  if [ -f "$log" ]; then
    echo "---- $log" >&2
    tail -n 50 "$log" >&2
    echo "----" >&2
  fi
  stop
  exit 1
}

# Waits (at most 5 s) until 127.0.0.1:$1 accepts connections.
wait_tcp() {
  local port=$1
  for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# Waits (at most 5 s) until the Unix socket $1 accepts connections.
wait_unix() {
  local socket=$1
  for _ in $(seq 50); do
    if [ -S "$socket" ]; then
      if ! command -v python3 >/dev/null 2>&1; then
        return 0
      fi
      if python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(1)
s.connect(sys.argv[1])' "$socket" 2>/dev/null; then
        return 0
      fi
    fi
    sleep 0.1
  done
  return 1
}

# Prints $1 free TCP ports on 127.0.0.1, one a line.
free_ports() {
  local count=$1
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$count" <<'EOF'
import socket, sys
sockets = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    sockets.append(s)
for s in sockets:
    print(s.getsockname()[1])
for s in sockets:
    s.close()
EOF
    return
  fi
  # No python3: random high ports that nothing answers on.
  local found=() port
  while [ ${#found[@]} -lt "$count" ]; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
      [[ " ${found[*]} " != *" $port "* ]]; then
      found+=("$port")
    fi
  done
  printf '%s\n' "${found[@]}"
}

# The Debian package version of the package that holds binary $1, else what
# the binary itself says ($2: the command printing it).
version_of() {
  local binary package version
  binary=$(command -v "$1")
  package=$(dpkg-query -S "$binary" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
  if [ -n "$package" ]; then
    version=$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null || true)
    if [ -n "$version" ]; then
      echo "$version"
      return
    fi
  fi
  eval "$2" 2>&1 | grep -Eo '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n 1
}

make_certificates() {
  cat >"$dir/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  local key
  for key in ca server client; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
      -out "$dir/$key.key" 2>/dev/null
  done
  openssl req -config "$dir/openssl.cnf" -new -x509 -days 7 -sha256 \
    -key "$dir/ca.key" -subj "/CN=sessio interop CA" -extensions ca \
    -out "$dir/ca.pem"
  local name subject
  for name in server client; do
    if [ "$name" = server ]; then subject=/CN=localhost; else subject="/CN=sessio interop client"; fi
    openssl req -config "$dir/openssl.cnf" -new -sha256 -key "$dir/$name.key" \
      -subj "$subject" -out "$dir/$name.csr"
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
      -CAcreateserial -days 7 -sha256 -extfile "$dir/openssl.cnf" -extensions "$name" \
      -out "$dir/$name.pem" 2>/dev/null
  done
}

start() {
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # A second start in the same directory replaces the first one's daemons.
  stop
  rm -f "$dir/skipped" "$dir/interop.env"

  if ! command -v apt-get >/dev/null 2>&1; then
    skip "apt-get is not available (the servers come from Debian packages)"
  fi
  if [ "$(id -u)" -ne 0 ]; then
    skip "not running as root (needed to install and run nginx, tinyproxy and dante)"
  fi
  local missing=0 binary
  for binary in nginx tinyproxy danted openssl; do
    command -v "$binary" >/dev/null 2>&1 || missing=1
  done
  if [ "$missing" -eq 1 ]; then
    echo "interop servers: installing nginx, tinyproxy, dante-server and openssl"
    if ! apt-get update -qq >"$dir/apt.log" 2>&1 ||
      ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        nginx tinyproxy dante-server openssl >>"$dir/apt.log" 2>&1; then
      tail -n 20 "$dir/apt.log"
      skip "apt-get could not install nginx, tinyproxy, dante-server and openssl (see $dir/apt.log)"
    fi
    for binary in nginx tinyproxy danted openssl; do
      command -v "$binary" >/dev/null 2>&1 ||
        skip "$binary is still missing after apt-get install (see $dir/apt.log)"
    done
  fi

  make_certificates

  local ports tls_port plain_port proxy_port auth_proxy_port socks_port
  mapfile -t ports < <(free_ports 5)
  tls_port=${ports[0]}
  plain_port=${ports[1]}
  proxy_port=${ports[2]}
  auth_proxy_port=${ports[3]}
  socks_port=${ports[4]}

  # ---- nginx: TLS (HTTP/2, client certificates), plain HTTP, a Unix socket.
  mkdir -p "$dir/nginx-temp" "$dir/www"
  rm -f "$dir/nginx.sock"
  # A static file for the HTTP cache tests: nginx adds ETag and Last-Modified.
  printf 'cached by nginx\n' >"$dir/www/data.txt"
  cat >"$dir/nginx.conf" <<EOF
user root;
daemon on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log info;

events {
  worker_connections 256;
}

http {
  access_log $dir/nginx-access.log;
  client_body_temp_path $dir/nginx-temp/body;
  proxy_temp_path $dir/nginx-temp/proxy;
  fastcgi_temp_path $dir/nginx-temp/fastcgi;
  uwsgi_temp_path $dir/nginx-temp/uwsgi;
  scgi_temp_path $dir/nginx-temp/scgi;
  default_type text/plain;

  server {
    listen 127.0.0.1:$tls_port ssl http2;
    server_name localhost;
    ssl_certificate $dir/server.pem;
    ssl_certificate_key $dir/server.key;
    ssl_client_certificate $dir/ca.pem;
    ssl_verify_client optional;

    location = / {
      return 200 "tls ok\n";
    }
    location = /client-cert {
      if (\$ssl_client_verify != SUCCESS) {
        return 403 "no client certificate\n";
      }
      return 200 "client cert ok\n";
    }
    location = /to-http {
      return 302 http://127.0.0.1:$plain_port/landed;
    }
    location = /landed-tls {
      return 200 "landed tls\n";
    }
  }

  server {
    listen 127.0.0.1:$plain_port;
    server_name localhost;

    location = / {
      return 200 "plain ok\n";
    }
    location = /landed {
      return 200 "landed\n";
    }
    location = /to-https {
      return 302 https://localhost:$tls_port/landed-tls;
    }
    # HTTP cache: fresh for a minute (Cache-Control: max-age=60, Expires) ...
    location /fresh/ {
      alias $dir/www/;
      expires 60s;
    }
    # ... and always revalidated (ETag / If-None-Match, 304).
    location /validated/ {
      alias $dir/www/;
      add_header Cache-Control "no-cache";
    }
  }

  server {
    listen unix:$dir/nginx.sock;
    server_name localhost;

    location = / {
      return 200 "unix ok\n";
    }
  }
}
EOF
  nginx -t -q -c "$dir/nginx.conf" -p "$dir" -e "$dir/nginx-error.log" ||
    fail "nginx rejected $dir/nginx.conf" "$dir/nginx-error.log"
  nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/nginx-error.log" ||
    fail "nginx did not start" "$dir/nginx-error.log"

  # ---- tinyproxy: one open, one with Basic auth. No ConnectPort line: CONNECT
  # to every port is allowed (tinyproxy.conf(5)). No User/Group lines: it runs
  # as the user that starts it, which may write to $dir.
  local name port
  for name in open auth; do
    if [ "$name" = open ]; then port=$proxy_port; else port=$auth_proxy_port; fi
    cat >"$dir/tinyproxy-$name.conf" <<EOF
Port $port
Listen 127.0.0.1
Timeout 60
LogFile "$dir/tinyproxy-$name.log"
LogLevel Info
PidFile "$dir/tinyproxy-$name.pid"
MaxClients 64
Allow 127.0.0.1
DisableViaHeader Yes
EOF
    if [ "$name" = auth ]; then
      echo "BasicAuth user pass" >>"$dir/tinyproxy-$name.conf"
    fi
    tinyproxy -c "$dir/tinyproxy-$name.conf" >>"$dir/tinyproxy-$name.log" 2>&1 ||
      fail "tinyproxy ($name) did not start" "$dir/tinyproxy-$name.log"
  done

  # ---- dante: SOCKS5 without authentication.
  cat >"$dir/danted.conf" <<EOF
logoutput: $dir/danted.log
internal: 127.0.0.1 port = $socks_port
external: 127.0.0.1
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody

client pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
  log: error
}
socks pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
  log: error
}
EOF
  danted -f "$dir/danted.conf" -D -p "$dir/danted.pid" >>"$dir/danted.log" 2>&1 ||
    fail "danted did not start" "$dir/danted.log"

  wait_tcp "$tls_port" || fail "nginx is not listening on $tls_port" "$dir/nginx-error.log"
  wait_tcp "$plain_port" || fail "nginx is not listening on $plain_port" "$dir/nginx-error.log"
  wait_unix "$dir/nginx.sock" || fail "nginx is not listening on $dir/nginx.sock" "$dir/nginx-error.log"
  wait_tcp "$proxy_port" || fail "tinyproxy (open) is not listening on $proxy_port" "$dir/tinyproxy-open.log"
  wait_tcp "$auth_proxy_port" || fail "tinyproxy (auth) is not listening on $auth_proxy_port" "$dir/tinyproxy-auth.log"
  wait_tcp "$socks_port" || fail "danted is not listening on $socks_port" "$dir/danted.log"

  local nginx_version tinyproxy_version dante_version
  nginx_version=$(version_of nginx "nginx -v")
  tinyproxy_version=$(version_of tinyproxy "tinyproxy -v")
  dante_version=$(version_of danted "danted -v")

  cat >"$dir/interop.env" <<EOF
NGINX_TLS_PORT=$tls_port
NGINX_PLAIN_PORT=$plain_port
NGINX_UNIX_SOCKET=$dir/nginx.sock
CA_PEM=$dir/ca.pem
CLIENT_CERT=$dir/client.pem
CLIENT_KEY=$dir/client.key
PROXY_PORT=$proxy_port
AUTH_PROXY_PORT=$auth_proxy_port
SOCKS_PORT=$socks_port
NGINX_VERSION=$nginx_version
TINYPROXY_VERSION=$tinyproxy_version
DANTE_VERSION=$dante_version
EOF
  echo "interop servers: nginx $nginx_version on $tls_port (TLS) and $plain_port, tinyproxy $tinyproxy_version on $proxy_port and $auth_proxy_port (auth), dante $dante_version on $socks_port"
  echo "interop servers: SESSIO_INTEROP_ENV=$dir/interop.env"
}

case "$action" in
  start) start ;;
  stop)
    [ -d "$dir" ] || exit 0
    stop
    ;;
  *) usage ;;
esac

#!/bin/sh
# Install pgvector for the system PostgreSQL on Debian 12 (which packages none):
# build it from Debian trixie's *source* package against the installed server, start
# the cluster, and enable the extension in $PG_DB. Idempotent; run as root.
# trixie binaries never come in: only its deb-src line is added, pinned low.
set -eu
PG_MAJOR="${PG_MAJOR:-$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)}"
PG_MAJOR="${PG_MAJOR:-15}"
PG_DB="${PG_DB:-}"
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -q -y"

if [ -f "/usr/lib/postgresql/$PG_MAJOR/lib/vector.so" ] \
  && ls "/usr/share/postgresql/$PG_MAJOR/extension/vector--"*.sql >/dev/null 2>&1; then
  echo "pgvector is already installed for PostgreSQL $PG_MAJOR"
else
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' \
    > /etc/apt/preferences.d/90-moviesearch-trixie-low
  if ! apt-cache showsrc pgvector 2>/dev/null | grep -q '^Version:'; then
    uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)
    printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$uri" > /etc/apt/sources.list.d/moviesearch-trixie-src.sources
    $APT update
  fi
  # Server headers at the installed server's exact version, so apt never upgrades
  # (and restarts) the running server as a side effect.
  version=$(dpkg-query -W -f='${Version}' "postgresql-$PG_MAJOR" 2>/dev/null || true)
  if [ -n "$version" ] && apt-cache madison "postgresql-server-dev-$PG_MAJOR" | grep -q " $version "; then
    dev="postgresql-server-dev-$PG_MAJOR=$version"
  else
    dev="postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR"
  fi
  $APT install --no-install-recommends build-essential dpkg-dev $dev
  build=$(mktemp -d /tmp/pgvector-build.XXXXXX)
  chown _apt "$build" 2>/dev/null || true
  (
    cd "$build"
    apt-get -q source pgvector
    cd pgvector-*/
    # No -march=native: the build must run on any CPU of this architecture.
    make -j"$(nproc)" OPTFLAGS="" PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"
    make install PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"
  )
  rm -rf "$build"
fi

if ! pg_lsclusters -h | awk -v v="$PG_MAJOR" '$1==v && $2=="main"' | grep -q .; then
  pg_createcluster "$PG_MAJOR" main
fi
if ! pg_lsclusters -h | awk -v v="$PG_MAJOR" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
  pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" main start
fi
if [ -n "$PG_DB" ]; then
  su postgres -c "psql -X -q -v ON_ERROR_STOP=1 -d '$PG_DB' -c 'CREATE EXTENSION IF NOT EXISTS vector'"
fi
su postgres -c "psql -X -qAt -c \"SELECT 'pgvector ' || default_version || ' available' FROM pg_available_extensions WHERE name = 'vector'\""

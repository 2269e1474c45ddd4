#!/usr/bin/env bash
# Builds a real kube-apiserver, kube-controller-manager and kubectl (Kubernetes v1.20.2) from
# Debian's source package with Debian's Go 1.19, for the Kubernetes end-to-end tests.
#
# The binaries land in $CODEDANCE_K8S_CACHE/v1.20.2/bin (default /var/cache/codedance-k8s), outside
# the repository, so a machine builds them once: a second call finds them and returns at once.
# A cold build takes 6-11 minutes on 2 cores and needs about 4 GB of disk while it runs; the
# sources and Go's build cache are removed afterwards (set CODEDANCE_K8S_KEEP_WORK=1 to keep them).
# Needs root (apt-get install) the first time. Safe to call twice at once: the second waits.
set -euo pipefail

VERSION=v1.20.2
MAJOR=1
MINOR=20
DEB_VERSION=1.20.5+really1.20.2-1.1+deb12u1
ORIG_TARBALL=kubernetes_1.20.5+really1.20.2.orig.tar.gz
SOURCE_DIR=kubernetes-1.20.2

CACHE_ROOT=${CODEDANCE_K8S_CACHE:-/var/cache/codedance-k8s}
CACHE=$CACHE_ROOT/$VERSION
BIN=$CACHE/bin
WORK=$CACHE/work
STAMP=$BIN/.complete
BINARIES=(kube-apiserver kube-controller-manager kubectl)
SYSTEM_PACKAGES=(golang-1.19-go etcd-server rsync openssl iproute2)
GO_ROOT=/usr/lib/go-1.19

started=$SECONDS
say() { printf '[k8s-build %4ds] %s\n' "$((SECONDS - started))" "$*"; }

built() {
  [[ -f $STAMP && $(cat "$STAMP") == "$VERSION" ]] || return 1
  local b
  for b in "${BINARIES[@]}"; do [[ -x $BIN/$b ]] || return 1; done
}

missing_packages() {
  local p status
  for p in "${SYSTEM_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ $status == installed ]] || echo "$p"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    say "system packages present"
    return
  fi
  say "installing ${missing[*]} with apt"
  # Services are not started by apt on these machines (policy-rc.d); etcd runs per test cluster.
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if built; then
  install_packages
  say "Kubernetes $VERSION binaries already built in $BIN"
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  say "another build holds $CACHE/.lock; waiting for it"
  flock 9
fi
install_packages
if built; then
  say "Kubernetes $VERSION binaries already built in $BIN"
  exit 0
fi

export PATH=$GO_ROOT/bin:$PATH
mkdir -p "$WORK"
cd "$WORK"

# Source package, fetched with private apt folders so the machine's apt configuration is untouched.
APT_DIR=$WORK/apt
APT_OPTS=(
  -o "Dir::Etc::SourceList=/dev/null"
  -o "Dir::Etc::SourceParts=$APT_DIR/parts"
  -o "Dir::State::Lists=$APT_DIR/lists"
  -o "Dir::Cache=$APT_DIR/cache"
  -o "Debug::NoLocking=true"
  -o "APT::Sandbox::User=root"
)
fetch_with_private_apt() {
  rm -rf "$APT_DIR"
  mkdir -p "$APT_DIR/parts" "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  local src
  for src in /etc/apt/sources.list.d/*.sources; do
    [[ -f $src ]] || continue
    sed 's/^Types: deb$/Types: deb deb-src/' "$src" >"$APT_DIR/parts/$(basename "$src")"
  done
  if [[ -s /etc/apt/sources.list ]]; then
    sed -n 's/^deb \(.*\)$/deb \1\ndeb-src \1/p' /etc/apt/sources.list >"$APT_DIR/parts/sources.list"
  fi
  say "updating a private apt index (with source packages)"
  apt-get "${APT_OPTS[@]}" update -qq
  mkdir -p downloads
  (
    cd downloads
    say "downloading the kubernetes $DEB_VERSION source package"
    apt-get "${APT_OPTS[@]}" source --download-only -qq "kubernetes=$DEB_VERSION"
    say "downloading golang-github-modern-go-reflect2-dev"
    apt-get "${APT_OPTS[@]}" download -qq golang-github-modern-go-reflect2-dev
  )
}

if [[ ! -f downloads/$ORIG_TARBALL ]] || ! compgen -G 'downloads/golang-github-modern-go-reflect2-dev_*.deb' >/dev/null; then
  fetch_with_private_apt
fi

if [[ ! -f src/.unpacked ]]; then
  say "unpacking $ORIG_TARBALL"
  rm -rf src
  mkdir -p src
  if ! tar -xzf "downloads/$ORIG_TARBALL" -C src; then
    say "the tarball is damaged (an interrupted download?): fetching it again"
    rm -rf src downloads
    mkdir -p src
    fetch_with_private_apt
    tar -xzf "downloads/$ORIG_TARBALL" -C src
  fi
  # The vendored reflect2 1.0.1 does not work with Go >= 1.18; Debian's 1.0.2 does. The old folder
  # goes first: copying over it would leave go_above_17.go behind ("resolveTypeOff redeclared").
  say "replacing vendor/github.com/modern-go/reflect2 with Debian's 1.0.2"
  rm -rf reflect2-deb
  dpkg-deb -x downloads/golang-github-modern-go-reflect2-dev_*.deb reflect2-deb
  rm -rf "src/$SOURCE_DIR/vendor/github.com/modern-go/reflect2"
  cp -r reflect2-deb/usr/share/gocode/src/github.com/modern-go/reflect2 "src/$SOURCE_DIR/vendor/github.com/modern-go/reflect2"
  touch src/.unpacked
fi

# Kubernetes 1.20 builds in GOPATH mode (-mod=vendor under Go 1.19 asks for go.mod updates).
export GO111MODULE=off GOFLAGS= GOPROXY=off CGO_ENABLED=0
export GOPATH=$WORK/gopath GOCACHE=$WORK/gocache
mkdir -p "$GOPATH/src/k8s.io"
ln -sfn "$WORK/src/$SOURCE_DIR" "$GOPATH/src/k8s.io/kubernetes"
TREE=$GOPATH/src/k8s.io/kubernetes

if [[ ! -f src/.openapi ]]; then
  say "generating the OpenAPI definitions (make gen_openapi)"
  make -C "$TREE" gen_openapi >"$WORK/gen_openapi.log" 2>&1 || {
    tail -n 40 "$WORK/gen_openapi.log"
    exit 1
  }
  touch src/.openapi
fi

LDFLAGS="-s -w"
for pkg in k8s.io/kubernetes/vendor/k8s.io/component-base/version k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X $pkg.gitVersion=$VERSION -X $pkg.gitMajor=$MAJOR -X $pkg.gitMinor=$MINOR -X $pkg.gitTreeState=clean"
done

mkdir -p "$BIN.partial"
say "compiling ${BINARIES[*]} with $(go version | cut -d' ' -f3) (the long part: 6-10 minutes cold)"
(
  cd "$TREE"
  go build -p "$(nproc)" -ldflags "$LDFLAGS" -o "$BIN.partial/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kubectl
)

for b in "${BINARIES[@]}"; do
  version=$("$BIN.partial/$b" --version 2>/dev/null || "$BIN.partial/$b" version --client --short 2>/dev/null || true)
  say "$b: ${version:-no version output}"
  [[ $version == *"$VERSION"* ]] || { say "$b does not report $VERSION"; exit 1; }
done
rm -rf "$BIN"
mv "$BIN.partial" "$BIN"
echo "$VERSION" >"$STAMP"

if [[ ${CODEDANCE_K8S_KEEP_WORK:-0} != 1 ]]; then
  say "removing the sources and Go build cache ($(du -sh "$WORK" | cut -f1))"
  chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
fi
say "built ${BINARIES[*]} into $BIN"

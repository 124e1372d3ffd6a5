# aws_sdk_install DIR LOG: the AWS SDK packages of DIR/package-lock.json in
# DIR/node_modules, installed by `npm ci` unless the lock file is the one
# they were installed from. Under an flock on DIR: the SDK tests run side by
# side and `npm ci` starts by deleting node_modules. Returns npm's status
# (its output in LOG). Source it (tests/e2e/cloud_*_sdk.sh, bench/).
aws_sdk_install() {
  local dir=$1 log=$2
  (
    flock 9
    want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    [ "$(cat "$dir/node_modules/.stratus-lock-sha256" 2>/dev/null)" = "$want" ] && exit 0
    cd "$dir" && npm ci --no-audit --no-fund >"$log" 2>&1 && echo "$want" > node_modules/.stratus-lock-sha256
  ) 9>"$dir/.npm.lock"
}

# The forced command of every key in the lab's authorized_keys: `bash entry.sh ENTRY`, run by
# sshd with the lab's settings in the environment (see sshd.ts):
#   GW_OPENSSH_LAB  the marker every process of the lab carries (close() finds them by it)
#   GW_LAB_DIR      the lab's folder (homes, keys, known_hosts, events.log)
#   GW_LAB_SCRIPTS  this folder;  GW_LAB_PORT, GW_LAB_USER  where the lab's sshd listens, as whom
#   GW_NODE         the node binary (koko-mfa's TOTP check);  GW_TOTP_SEED  koko-mfa's seed
# It logs "<entry>: start", then replaces itself with the entry's program in a clean, fixed
# environment: HOME is the entry's own home, TERM comes from the client, LANG=C.UTF-8, fixed PATH.
set -u
entry=${1:?usage: entry.sh ENTRY}
: "${GW_OPENSSH_LAB:?}" "${GW_LAB_DIR:?}" "${GW_LAB_SCRIPTS:?}"
source "$GW_LAB_SCRIPTS/lib.sh"

home=$GW_LAB_DIR/home/$entry
sys_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
clean=(env -i
  "GW_OPENSSH_LAB=$GW_OPENSSH_LAB" "GW_LAB_DIR=$GW_LAB_DIR" "GW_LAB_SCRIPTS=$GW_LAB_SCRIPTS"
  "GW_ENTRY=$entry" "HOME=$home" "TERM=${TERM:-dumb}" LANG=C.UTF-8 "PATH=$sys_path"
  "USER=${GW_LAB_USER:-}" "LOGNAME=${GW_LAB_USER:-}")
bash=$(command -v bash)

if [ "$entry" = koko-target ]; then
  # The host behind koko's menu, reached by koko with the real ssh client: the asset and the
  # account come from the client (ssh -o SetEnv=..., accepted by AcceptEnv GW_*).
  asset=${GW_ASSET:-}
  account=${GW_ACCOUNT:-}
  if [[ ! $asset =~ ^[A-Za-z0-9._-]+$ || ! $account =~ ^[A-Za-z0-9._-]+$ ]]; then
    printf 'koko-target: GW_ASSET and GW_ACCOUNT must be set\n' >&2
    exit 2
  fi
  tmout=
  [[ ${GW_TMOUT:-} =~ ^[0-9]+$ ]] && tmout=$GW_TMOUT
  gw_event koko-target "start $account@$asset"
  home=$GW_LAB_DIR/assets/$asset
  mkdir -p "$home"
  cd "$home" || exit 1
  printf 'Last login: Tue Dec  1 04:00:00 2026 from 10.0.0.1\n'
  exec "${clean[@]}" "HOME=$home" "SHELL=$bash" "GW_PS1=[$account@$asset \\W]\$ " \
    "GW_TMOUT=$tmout" bash --rcfile "$GW_LAB_SCRIPTS/hop.bashrc" -i
fi

if [ ! -d "$home" ]; then
  printf 'gatewalk openssh lab: unknown entry %s\n' "$entry" >&2
  exit 2
fi
cd "$home" || exit 1
gw_event "$entry" start

case $entry in
  koko | koko-mfa | koko-idle)
    page_size=${KOKO_PAGE_SIZE:-5}
    exec "${clean[@]}" "SHELL=$bash" "GW_LAB_PORT=${GW_LAB_PORT:-}" "GW_LAB_USER=${GW_LAB_USER:-}" \
      "GW_NODE=${GW_NODE:-node}" "GW_TOTP_SEED=${GW_TOTP_SEED:-}" "KOKO_PAGE_SIZE=$page_size" \
      bash "$GW_LAB_SCRIPTS/koko.sh" ;;
  columns | cjk | netcli)
    exec "${clean[@]}" "SHELL=$bash" bash "$GW_LAB_SCRIPTS/$entry.sh" ;;
  master)
    exec "${clean[@]}" "SHELL=$bash" "PATH=$GW_LAB_DIR/bin:$sys_path" bash -i ;;
  bash | bash-* | app-shell | jump)
    exec "${clean[@]}" "SHELL=$bash" bash -i ;;
  dash)
    exec "${clean[@]}" "SHELL=$(command -v dash)" "ENV=$home/.dashrc" dash -i ;;
  ash)
    exec "${clean[@]}" "SHELL=$(command -v busybox)" "ENV=$home/.ashrc" busybox ash -i ;;
  mksh)
    exec "${clean[@]}" "SHELL=$(command -v mksh)" "ENV=$home/.mkshrc" mksh -i ;;
  zsh | zsh-themed)
    exec "${clean[@]}" "SHELL=$(command -v zsh)" "ZDOTDIR=$home" zsh -i ;;
  fish)
    exec "${clean[@]}" "SHELL=$(command -v fish)" "XDG_CONFIG_HOME=$home/.config" \
      "XDG_DATA_HOME=$home/.local/share" "XDG_CACHE_HOME=$home/.cache" fish -i ;;
  tcsh)
    exec "${clean[@]}" "SHELL=$(command -v tcsh)" tcsh -i ;;
  *)
    printf 'gatewalk openssh lab: unknown entry %s\n' "$entry" >&2
    exit 2 ;;
esac

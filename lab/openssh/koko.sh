# koko, koko-mfa, koko-idle: a JumpServer/KoKo-style asset menu. Clear screen, coloured banner,
# `Opt> `; `p` lists the assets in pages at `[Host]> ` (n, b, q, an ID, or search text), an
# asset asks for the account at `ID> `, then the REAL ssh client connects to the lab's internal
# koko-target entry, which plays the asset. When that ends: `Press any key to continue...`, one
# key, and the menu again. koko-mfa asks for a TOTP code first; koko-idle's assets log out after
# 2 s without input (bash TMOUT). Events go to the lab's log as "koko: ...".
set -u
source "$GW_LAB_SCRIPTS/lib.sh"

variant=${GW_ENTRY:-koko}
page_size=${KOKO_PAGE_SIZE:-5}
[[ $page_size =~ ^[1-9][0-9]*$ ]] || page_size=5

names=(web-prod-01 web-prod-02 api-prod-01 api-prod-02 cache-prod-01 k8s-master-01
  db-prod-01 db-prod-02 k8s-master-02 mq-prod-01 log-prod-01 tools-01)
ips=(10.1.1.1 10.1.1.2 10.1.1.3 10.1.1.4 10.1.1.5 10.1.2.1
  10.1.2.3 10.1.2.4 10.1.2.2 10.1.3.1 10.1.3.2 10.1.3.3)
accounts=(dba root)
total=${#names[@]}
pages=$(((total + page_size - 1) / page_size))

event() { gw_event koko "$@"; }

# read_line: one line typed at a prompt (the terminal echoes it), trimmed, in REPLY; EOF (the
# client went away, or Ctrl-D) ends the session.
read_line() {
  local line
  if ! IFS= read -r line; then
    event eof
    exit 0
  fi
  gw_trim "$line"
}

banner() {
  printf '\e[H\e[2J'
  printf '\e[1;32m  Welcome to JumpServer (gatewalk conformance lab)\e[0m\n'
  printf '\n'
  printf '  Enter an ID to log in to that asset, or part of a hostname or an IP to search.\n'
  printf '  \e[33mp\e[0m) list assets   \e[33m<text>\e[0m) search   \e[33mq\e[0m) quit\n'
  printf '\n'
}

row() { printf '  %-4s| %-16s| %-12s| %-9s|\n' "$@"; }

# table ID...: the asset table for these IDs.
table() {
  local id
  row ID Hostname IP Platform
  for id in "$@"; do
    row "$id" "${names[id - 1]}" "${ips[id - 1]}" Linux
  done
}

# show_page: page $page of every asset (clamped: `n` on the last page shows it again).
show_page() {
  ((page > pages)) && page=$pages
  ((page < 1)) && page=1
  local first=$(((page - 1) * page_size + 1)) last=$((page * page_size))
  ((last > total)) && last=$total
  table $(seq "$first" "$last")
  printf '  Page: %d, Count: %d, Total Page: %d, Total Count: %d\n' \
    "$page" $((last - first + 1)) "$pages" "$total"
  printf '  Page up: b  Page down: n  Back: q\n'
}

# lookup TEXT: an ID, or text searched in the hostnames and IPs. One asset: choose its account
# and connect (status 0). Several: their table (status 1). None: a message (status 1).
lookup() {
  local text=${1#/} id
  event "lookup $1"
  if [[ $text =~ ^[0-9]+$ ]] && ((10#$text >= 1 && 10#$text <= total)); then
    account_menu $((10#$text))
    return 0
  fi
  local -a found=()
  for ((id = 1; id <= total; id++)); do
    if [[ ${names[id - 1],,} == *"${text,,}"* || ${ips[id - 1]} == *"$text"* ]]; then
      found+=("$id")
    fi
  done
  if ((${#found[@]} == 1)); then
    account_menu "${found[0]}"
    return 0
  fi
  if ((${#found[@]} == 0)); then
    printf "No assets match '%s'\n" "$1"
    return 1
  fi
  table "${found[@]}"
  printf '  Page: 1, Count: %d, Total Page: 1, Total Count: %d\n' "${#found[@]}" "${#found[@]}"
  printf '  Page up: b  Page down: n  Back: q\n'
  return 1
}

# account_menu ID: the accounts of that asset at `ID> ` (an ID or a name; q goes back), then the
# connection.
account_menu() {
  local asset=${names[$1 - 1]} i account=
  printf '  %-3s| %-10s\n' ID Username
  for i in "${!accounts[@]}"; do
    printf '  %-3s| %-10s\n' $((i + 1)) "${accounts[i]}"
  done
  while [ -z "$account" ]; do
    printf 'ID> '
    read_line
    case $REPLY in
      '') ;;
      q) return ;;
      *)
        for i in "${!accounts[@]}"; do
          if [[ $REPLY == "$((i + 1))" || $REPLY == "${accounts[i]}" ]]; then
            account=${accounts[i]}
          fi
        done
        [ -n "$account" ] || printf 'No account matches\n' ;;
    esac
  done
  connect "$asset" "$account"
}

connect() {
  local asset=$1 account=$2 status setenv="GW_ASSET=$1 GW_ACCOUNT=$2"
  [ "$variant" = koko-idle ] && setenv+=" GW_TMOUT=2"
  printf 'Connecting to %s@%s ...\n' "$account" "$asset"
  event "connect $asset as $account"
  # ssh reads only the first SetEnv it is given, so every variable goes in one.
  ssh -tt -F /dev/null -o "UserKnownHostsFile=$GW_LAB_DIR/known_hosts" \
    -o StrictHostKeyChecking=yes -o LogLevel=ERROR -o BatchMode=yes -o IdentitiesOnly=yes \
    -o ControlPath=none -i "$GW_LAB_DIR/keys/koko-target" -o "SetEnv=$setenv" \
    -p "$GW_LAB_PORT" "$GW_LAB_USER@127.0.0.1"
  status=$?
  event "disconnect $asset (exit $status)"
  if ! gw_read_key $'\r\nPress any key to continue...'; then
    event eof
    exit 0
  fi
  event "key pressed"
}

# host_menu [TEXT]: the asset list (no TEXT) or a lookup, then `[Host]> ` until an asset was
# connected to (status 0: redraw the banner) or q (status 1: back to `Opt> `).
host_menu() {
  page=1
  if [ $# -eq 0 ]; then
    show_page
  elif lookup "$1"; then
    return 0
  fi
  while :; do
    printf '[Host]> '
    read_line
    case $REPLY in
      '') ;;
      q) return 1 ;;
      n) page=$((page + 1)) && show_page ;;
      b) page=$((page - 1)) && show_page ;;
      *) lookup "$REPLY" && return 0 ;;
    esac
  done
}

mfa() {
  local failures=0 code codes
  while :; do
    if ! gw_read_secret 'OTP Code: '; then
      event eof
      exit 1
    fi
    code=${REPLY//[[:space:]]/}
    codes=$("$GW_NODE" "$GW_LAB_SCRIPTS/totp.mjs" "$GW_TOTP_SEED") || codes=
    if [[ $code =~ ^[0-9]{6}$ && " $codes " == *" $code "* ]]; then
      event "mfa ok"
      return
    fi
    event "mfa failed"
    failures=$((failures + 1))
    if ((failures >= 3)); then
      printf 'Too many failures\n'
      exit 1
    fi
    printf 'Invalid code, try again\n'
  done
}

[ "$variant" = koko-mfa ] && mfa
banner
while :; do
  printf 'Opt> '
  read_line
  case $REPLY in
    '') ;;
    q)
      event quit
      printf 'Bye.\n'
      exit 0 ;;
    p) host_menu && banner ;;
    *) host_menu "$REPLY" && banner ;;
  esac
done

# Helpers shared by the lab's gateway scripts (sourced by bash). Every script runs in the clean
# environment entry.sh gives it: GW_OPENSSH_LAB (the marker), GW_LAB_DIR, GW_LAB_SCRIPTS,
# GW_ENTRY, HOME, TERM, LANG=C.UTF-8 and a fixed PATH.

# gw_event WHO WHAT...: appends "WHO: WHAT" to the lab's event log (one short write: atomic).
gw_event() {
  local who=$1
  shift
  printf '%s: %s\n' "$who" "$*" >>"$GW_LAB_DIR/events.log"
}

# gw_trim TEXT: TEXT without leading and trailing blanks (and a stray CR), in REPLY.
gw_trim() {
  local s=${1//$'\r'/}
  s=${s#"${s%%[![:space:]]*}"}
  REPLY=${s%"${s##*[![:space:]]}"}
}

# gw_hop_shell HOME PS1 [VAR=value...]: an interactive bash run as a child (the menu comes back
# when it exits; its status is returned), in HOME, with the prompt PS1 and history in memory
# only (see hop.bashrc).
gw_hop_shell() {
  local home=$1 ps1=$2
  shift 2
  mkdir -p "$home"
  (cd "$home" && exec env HOME="$home" GW_PS1="$ps1" "$@" bash --rcfile "$GW_LAB_SCRIPTS/hop.bashrc" -i)
}

# gw_read_secret PROMPT: a line read without echo, in REPLY. Echo goes off BEFORE the prompt is
# printed, as getpass(3) does: a client that answers as soon as it sees the prompt must not
# have its secret echoed (with `read -s` alone, it would be, when it types fast enough).
gw_read_secret() {
  local status
  stty -echo 2>/dev/null
  printf '%s' "$1"
  IFS= read -r REPLY
  status=$?
  stty echo 2>/dev/null
  printf '\n'
  return $status
}

# gw_read_key PROMPT: one key, raw (no Enter needed, no echo), in REPLY (empty for Enter). The
# terminal is switched before the prompt is printed, for the same reason.
gw_read_key() {
  local saved status
  saved=$(stty -g 2>/dev/null)
  stty -echo -icanon min 1 time 0 2>/dev/null
  printf '%s' "$1"
  IFS= read -r -n1 REPLY
  status=$?
  [ -n "$saved" ] && stty "$saved" 2>/dev/null
  return $status
}

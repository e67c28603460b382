# netcli: a Cisco-IOS-like CLI, no POSIX shell behind it. Prompts have no trailing space:
# `router01>` (user EXEC) and `router01#` (after `enable` and the password `lab`).
#   enable | disable | show version | show running-config (privileged; paged with --More--)
#   terminal length N (0: no paging) | exit | logout | quit
# Anything else: `% Invalid input detected at '^' marker.` under a caret line, as IOS prints it.
set -u
source "$GW_LAB_SCRIPTS/lib.sh"

host=router01
privileged=0
page_length=20

event() { gw_event netcli "$@"; }

prompt() {
  if ((privileged)); then printf '%s#' "$host"; else printf '%s>' "$host"; fi
}

invalid() { # invalid LINE: the caret under the first character of LINE, past the prompt
  printf '%*s^\n' $((${#host} + 1)) ''
  printf "%% Invalid input detected at '^' marker.\n\n"
}

show_version() {
  cat <<'TEXT'
Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.2(4)M7, RELEASE SOFTWARE (fc2)
Technical Support: http://www.cisco.com/techsupport
ROM: System Bootstrap, Version 15.0(1r)M16, RELEASE SOFTWARE (fc1)
router01 uptime is 12 weeks, 3 days, 4 hours, 5 minutes
System image file is "flash0:c2900-universalk9-mz.SPA.152-4.M7.bin"
Cisco CISCO2911/K9 (revision 1.0) with 487424K/36864K bytes of memory (gatewalk conformance lab).
TEXT
}

# running_config: 60 lines; every interface line names its line number ("line NN").
running_config() {
  printf '%s\n' 'Building configuration...' '' 'Current configuration : 2417 bytes' '!' \
    'version 15.2' 'service timestamps debug datetime msec' 'service timestamps log datetime msec' \
    'no service password-encryption' '!' 'hostname router01' '!' 'boot-start-marker' \
    'boot-end-marker' '!' 'enable secret 5 $1$lab0$gatewalk.conformance.lab' '!' \
    'no aaa new-model' '!'
  local i n=18
  for i in 0 1 2 3 4 5 6 7; do
    printf 'interface GigabitEthernet0/%d\n' "$i"
    printf ' description lab uplink %d (line %02d)\n' "$i" $((n + 2))
    printf ' ip address 10.0.%d.1 255.255.255.0\n' "$i"
    printf ' no shutdown\n'
    printf '!\n'
    n=$((n + 5))
  done
  printf '%s\n' 'line vty 0 4' 'end'
}

# paged LINE...: prints the lines, stopping every $page_length lines at ` --More-- `: space
# shows the next page, Enter one more line, anything else (q) stops. The marker is then erased
# with a carriage return, spaces and a carriage return, as IOS does.
paged() {
  local line shown=0 key
  for line in "$@"; do
    if ((page_length > 0 && shown >= page_length)); then
      gw_read_key ' --More-- ' || REPLY=q
      key=$REPLY
      printf '\r          \r'
      case $key in
        ' ') shown=0 ;;
        '' | $'\r') shown=$((page_length - 1)) ;;
        *) return ;;
      esac
    fi
    printf '%s\n' "$line"
    shown=$((shown + 1))
  done
}

while :; do
  prompt
  if ! IFS= read -r line; then
    event exit
    exit 0
  fi
  gw_trim "$line"
  read -ra words <<<"$REPLY"
  case "${words[*]}" in
    '') ;;
    en | enable)
      if ((!privileged)); then
        gw_read_secret 'Password: ' || REPLY=
        if [ "$REPLY" = lab ]; then
          privileged=1
          event enable
        else
          printf '%% Access denied\n\n'
          event 'enable denied'
        fi
      fi ;;
    disable) privileged=0 ;;
    'sh ver' | 'show ver' | 'show version') show_version ;;
    'sh run' | 'show run' | 'show running-config')
      if ((privileged)); then
        mapfile -t config < <(running_config)
        paged "${config[@]}"
      else
        invalid
      fi ;;
    'terminal length '*)
      if [[ ${words[2]:-} =~ ^[0-9]+$ ]] && ((${#words[@]} == 3)); then
        page_length=$((10#${words[2]}))
      else
        invalid
      fi ;;
    exit | logout | quit)
      event exit
      exit 0 ;;
    *) invalid ;;
  esac
done

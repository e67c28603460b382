# columns: a host menu made with bash's `select`, which lays its 30 entries out in columns as
# wide as the terminal (COLUMNS, read from the tty). An entry prints "Connecting to node-NN" and
# runs an interactive bash (`[ops@node-NN \W]$ `); when it exits, select asks again (PS3).
# q quits. An empty line shows the list again (select's own behaviour).
set -u
source "$GW_LAB_SCRIPTS/lib.sh"

hosts=()
for n in $(seq -w 1 30); do
  hosts+=("node-$n")
done
PS3='Select a host (q quits): '
size=$(stty size 2>/dev/null) || size=
if [[ $size =~ ^([0-9]+)\ ([0-9]+)$ ]]; then
  LINES=${BASH_REMATCH[1]}
  COLUMNS=${BASH_REMATCH[2]}
fi

select host in "${hosts[@]}"; do
  gw_trim "$REPLY"
  if [ "$REPLY" = q ]; then
    gw_event columns quit
    exit 0
  fi
  if [ -n "${host:-}" ]; then
    printf 'Connecting to %s\n' "$host"
    gw_event columns "connect $host"
    gw_hop_shell "$GW_LAB_DIR/assets/$host" "[ops@$host \\W]\$ "
    gw_event columns "disconnect $host (exit $?)"
  fi
done
gw_event columns eof

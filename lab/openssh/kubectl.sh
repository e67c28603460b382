# The master entry's fake kubectl (started by the `kubectl` wrapper the lab writes in its bin/
# folder, first on the master's PATH). Two pods, in any namespace:
#   bash-pod  bash, prompt `[pod:bash-pod \W]$ `
#   ash-pod   busybox ash (no bash: `-- bash` fails as on Alpine), prompt `<cwd> # `: `/ # `
# Each pod's shell starts in the pod's own folder (its "/", also its HOME), in a clean
# environment, history off-disk. Like the real kubectl, nothing is printed before the shell
# starts, and a non-zero exit N prints `command terminated with exit code N` (stderr), exit N.
#   kubectl get pods [-n NS]
#   kubectl exec [-i] [-t] [-it] POD [-n NS] [-c C] -- COMMAND [ARGS...]
set -u
source "$GW_LAB_SCRIPTS/lib.sh"

pods=(bash-pod ash-pod)
sys_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

fail() { # fail STATUS MESSAGE
  printf '%s\n' "$2" >&2
  exit "$1"
}

get_pods() {
  printf '%-10s %-7s %-9s %-10s %s\n' NAME READY STATUS RESTARTS AGE
  printf '%-10s %-7s %-9s %-10s %s\n' bash-pod 1/1 Running 0 3d2h
  printf '%-10s %-7s %-9s %-10s %s\n' ash-pod 1/1 Running 0 3d2h
}

exec_in_pod() {
  local pod= command=() known
  while (($#)); do
    case $1 in
      --) shift; command=("$@"); break ;;
      -n | --namespace | -c | --container) shift ;;
      --namespace=* | --container=* | -i | -t | -it | -ti | --stdin | --tty) ;;
      -*) fail 1 "error: unknown shorthand flag: '${1#-}' in $1" ;;
      *) [ -z "$pod" ] && pod=$1 ;;
    esac
    shift
  done
  [ -n "$pod" ] || fail 1 'error: expected '"'"'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]'"'"'.'
  known=0
  for p in "${pods[@]}"; do [ "$p" = "$pod" ] && known=1; done
  ((known)) || fail 1 "Error from server (NotFound): pods \"$pod\" not found"
  ((${#command[@]})) || fail 1 'error: you must specify at least one command for the container'

  local root=$GW_LAB_DIR/pods/$pod status
  local -a clean=(env -i "GW_OPENSSH_LAB=$GW_OPENSSH_LAB" "GW_LAB_DIR=$GW_LAB_DIR"
    "HOME=$root" "TERM=${TERM:-dumb}" LANG=C.UTF-8 "PATH=$sys_path" "HOSTNAME=$pod")
  mkdir -p "$root"
  cd "$root" || exit 1
  gw_event kubectl "exec $pod ${command[*]}"
  case $pod:${command[0]} in
    bash-pod:bash | bash-pod:/bin/bash | bash-pod:sh | bash-pod:/bin/sh)
      "${clean[@]}" "GW_PS1=[pod:$pod \\W]\$ " bash --rcfile "$GW_LAB_SCRIPTS/hop.bashrc" -i ;;
    ash-pod:sh | ash-pod:/bin/sh | ash-pod:ash | ash-pod:/bin/ash)
      "${clean[@]}" "ENV=$GW_LAB_SCRIPTS/pod.ashrc" "GW_POD_ROOT=$root" busybox ash -i ;;
    ash-pod:bash | ash-pod:/bin/bash)
      printf '%s\n' 'OCI runtime exec failed: exec failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown' >&2
      (exit 126) ;;
    *) "${clean[@]}" "${command[@]}" ;;
  esac
  status=$?
  gw_event kubectl "exit $pod $status"
  ((status == 0)) || printf 'command terminated with exit code %d\n' "$status" >&2
  exit "$status"
}

case "${1:-}" in
  get)
    case "${2:-}" in
      pods | pod | po) get_pods ;;
      *) fail 1 "error: the server doesn't have a resource type \"${2:-}\"" ;;
    esac ;;
  exec)
    shift
    exec_in_pod "$@" ;;
  *) fail 2 "kubectl (gatewalk openssh lab): unsupported command: $*" ;;
esac

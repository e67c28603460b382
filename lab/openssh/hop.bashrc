# rc file of the lab's "hop" shells: the hosts behind the menus (koko's assets, columns' nodes,
# cjk's hosts) and the master's bash pod. The prompt comes from GW_PS1, history stays in memory
# (no HISTFILE), and GW_TMOUT (koko-idle) becomes bash's idle logout.
PS1=$GW_PS1
unset HISTFILE GW_PS1
if [ -n "${GW_TMOUT:-}" ]; then
  TMOUT=$GW_TMOUT
fi
unset GW_TMOUT

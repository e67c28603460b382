# cjk: a Chinese (UTF-8) host menu: a title, a table of 8 hosts in pages of 5 (编号, 主机名, 地址),
# a footer, and the prompt `请输入资产ID：` (full-width colon, no trailing space). n/b page, a 编号
# picks a host (`正在连接 NAME ...`, then an interactive bash `[ops@cjk-N \W]$ `; when it exits,
# the list comes back at page 1), q quits.
set -u
source "$GW_LAB_SCRIPTS/lib.sh"

names=(数据库-01 数据库-02 应用服务器-01 应用服务器-02 应用服务器-03 应用服务器-04 应用服务器-05 缓存-01)
total=${#names[@]}
page_size=5
pages=$(((total + page_size - 1) / page_size))

# show_page: the table, page $page; names are padded to 16 columns of the screen (CJK
# characters take two).
show_page() {
  local first=$(((page - 1) * page_size + 1)) last=$((page * page_size)) id name wide
  ((last > total)) && last=$total
  printf '  编号 | 主机名          | 地址\n'
  for ((id = first; id <= last; id++)); do
    name=${names[id - 1]}
    wide=${name//[[:ascii:]]/}
    printf '  %-5s| %s%*s| 10.2.0.%d\n' "$id" "$name" $((16 - ${#name} - ${#wide})) '' "$id"
  done
  printf '第 %d/%d 页，共 %d 台。 n：下一页  b：上一页  q：退出\n' "$page" "$pages" "$total"
}

title() {
  printf '欢迎使用运维堡垒机\n\n'
}

page=1
title
show_page
while :; do
  printf '请输入资产ID：'
  if ! IFS= read -r line; then
    gw_event cjk eof
    exit 0
  fi
  gw_trim "$line"
  case $REPLY in
    '') ;;
    q)
      gw_event cjk quit
      printf '再见。\n'
      exit 0 ;;
    n)
      ((page < pages)) && page=$((page + 1))
      show_page ;;
    b)
      ((page > 1)) && page=$((page - 1))
      show_page ;;
    *)
      if [[ $REPLY =~ ^[0-9]+$ ]] && ((10#$REPLY >= 1 && 10#$REPLY <= total)); then
        id=$((10#$REPLY))
        printf '正在连接 %s ...\n' "${names[id - 1]}"
        gw_event cjk "connect cjk-$id"
        gw_hop_shell "$GW_LAB_DIR/assets/cjk-$id" "[ops@cjk-$id \\W]\$ "
        gw_event cjk "disconnect cjk-$id (exit $?)"
        page=1
        title
        show_page
      else
        printf '无效的资产ID：%s\n' "$REPLY"
      fi ;;
  esac
done

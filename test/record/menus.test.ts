import { describe, expect, it } from 'vitest';
import { menuExitIn } from '../../src/record/hops.js';
import { detectSelect, needsPageEnd, pagingOf, ROW_SHAPES } from '../../src/record/menus.js';
import { toUnits } from '../../src/record/units.js';
import { Script } from './script.js';

// Screens as the lab's menus draw them (recorded from lab/openssh's koko, columns and cjk).
const KOKO_PAGE_2 =
  '  ID  | Hostname        | IP          | Platform |\n  6   | k8s-master-01   | 10.1.2.1    | Linux    |\n  7   | db-prod-01      | 10.1.2.3    | Linux    |\n  8   | db-prod-02      | 10.1.2.4    | Linux    |\n  Page: 2, Count: 5, Total Page: 3, Total Count: 12\n  Page up: b  Page down: n  Back: q\n[Host]> ';
const COLUMNS =
  '1) node-01    6) node-06  11) node-11  16) node-16\n2) node-02    7) node-07  12) node-12  17) node-17\nSelect a host (q quits): ';
const CJK =
  '  编号 | 主机名          | 地址\n  6    | 应用服务器-04   | 10.2.0.6\n  7    | 应用服务器-05   | 10.2.0.7\n第 2/2 页，共 8 台。 n：下一页  b：上一页  q：退出\n请输入资产ID：';

const unitAt = (screen: string, typed: string) =>
  toUnits(new Script().out(screen).line(typed).out('\n> ').events)[0]!;

describe('detectSelect', () => {
  it('a number picking a KoKo table row: the label and its column header', () => {
    expect(detectSelect(unitAt(KOKO_PAGE_2, '7'))).toMatchObject({
      line: ROW_SHAPES[0],
      key: '7',
      label: 'db-prod-01',
      header: 'Hostname',
    });
  });

  it('bash select columns and a Chinese table', () => {
    expect(detectSelect(unitAt(COLUMNS, '17'))).toMatchObject({
      line: ROW_SHAPES[1],
      label: 'node-17',
    });
    expect(detectSelect(unitAt(CJK, '7'))).toMatchObject({
      label: '应用服务器-05',
      header: '主机名',
    });
  });

  it('stays send_text: a label typed, no such key, a secret, a long text', () => {
    expect(detectSelect(unitAt(COLUMNS, 'node-17'))).toBeNull();
    expect(detectSelect(unitAt(COLUMNS, '99'))).toBeNull();
    expect(detectSelect(unitAt('Opt> ', '1'))).toBeNull();
    const dup = '1) web\n2) web\n> ';
    expect(detectSelect(unitAt(dup, '1'))).toBeNull();
  });
});

describe('paging and ways out', () => {
  it('a page turn that listed new labels becomes next_page', () => {
    const s = new Script().out('  1   | a-01 | x |\n  2   | a-02 | x |\n[Host]> ').line('n');
    s.out('  3   | a-03 | x |\n  4   | a-04 | x |\n[Host]> ').line('3').out('ID> ');
    const [turn] = toUnits(s.events);
    expect(pagingOf([turn!], ROW_SHAPES[0]!)).toEqual({ next: { send_text: 'n' }, turned: 1 });
    // A line at the prompt that listed nothing new is no page turn.
    const t = new Script()
      .out('  1   | a-01 | x |\n  2   | a-02 | x |\n[Host]> ')
      .line('zz')
      .out('No assets\n[Host]> ');
    expect(pagingOf(toUnits(t.events), ROW_SHAPES[0]!)).toBeNull();
  });

  it("reads a menu's way out from its screen", () => {
    expect(menuExitIn(['  p) list assets   <text>) search   q) quit'])).toBe('q');
    expect(menuExitIn(['  Page up: b  Page down: n  Back: q'])).toBe('q');
    expect(menuExitIn(['Select a host (q quits): '])).toBe('q');
    expect(menuExitIn(['n：下一页  b：上一页  q：退出'])).toBe('q');
    expect(menuExitIn(['Welcome'])).toBeNull();
  });

  it('a prompt the navigator would not take for a page end needs page_end', () => {
    expect(needsPageEnd('[Host]> ')).toBe(false);
    expect(needsPageEnd('请输入资产ID：')).toBe(false);
    expect(needsPageEnd('Choose wisely')).toBe(true);
  });
});

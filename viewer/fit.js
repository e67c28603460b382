// The terminal fits its container: the font size follows the container's width and the
// session's columns (the session's size is the remote's, so the text is scaled, never reflowed).
// Below a readable size (a phone) the font stays readable and the terminal, not the page,
// scrolls sideways; "actual size" does the same with a larger font.
/* global Terminal, window, document, ResizeObserver */
(function () {
  const ACTUAL = 14;
  const MIN = 2;
  const MAX = 18;
  /** Smaller than this, text is not readable: the terminal scrolls sideways instead. */
  const READABLE = 8;

  /** The page's settings and its terminal at the session's size, opened and fitted. */
  window.gatewalkOpen = function () {
    // The settings are in a data attribute (no inline script: the CSP allows none).
    const cfg = JSON.parse(document.getElementById('gatewalk-config').dataset.config);
    const term = new Terminal({
      cols: cfg.cols,
      rows: cfg.rows,
      scrollback: 5000,
      disableStdin: true,
    });
    const container = document.getElementById('terminal');
    term.open(container);
    window.gatewalkFit(term, container);
    return { cfg, term, container };
  };

  window.gatewalkFit = function (term, container) {
    let actual = false;
    let width = -1;
    const button = document.getElementById('fit');

    // The screen's width as xterm laid it out (cell widths are rounded to device pixels, so the
    // measure is taken, not computed).
    const screenWidth = () => {
      const screen = container.querySelector('.xterm-screen');
      return screen ? screen.getBoundingClientRect().width : 0;
    };

    function fit(force) {
      const style = window.getComputedStyle(container);
      const avail =
        container.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      if (!force && avail === width) return;
      width = avail;
      if (actual) {
        container.classList.remove('scrolls');
        term.options.fontSize = ACTUAL;
        return;
      }
      // A first guess from the font's advance, then down in small steps until the screen fits.
      const probe = document.createElement('canvas').getContext('2d');
      probe.font = `100px ${term.options.fontFamily}`;
      const advance = probe.measureText('W'.repeat(10)).width / 1000 || 0.6;
      let size = Math.min(MAX, Math.max(MIN, Math.floor((avail / (term.cols * advance)) * 4) / 4));
      term.options.fontSize = size;
      for (let i = 0; i < 40 && size > MIN && screenWidth() > avail; i++) {
        size -= 0.25;
        term.options.fontSize = size;
      }
      const scrolls = size < READABLE;
      if (scrolls) {
        size = READABLE;
        term.options.fontSize = size;
      }
      container.classList.toggle('scrolls', scrolls);
      container.dataset.fontSize = String(size);
    }

    if (button)
      button.addEventListener('click', () => {
        actual = !actual;
        container.classList.toggle('actual', actual);
        button.textContent = actual ? 'fit to window' : 'actual size';
        fit(true);
      });
    new ResizeObserver(() => fit(false)).observe(container);
    window.addEventListener('resize', () => fit(false));
    fit(true);
    return fit;
  };
})();

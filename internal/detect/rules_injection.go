package detect

import (
	"regexp"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// Injection rules that each have their own category: a command for the
// shell, a URL for the server to fetch, a remote file to include, a header
// line to add. Like the other payload rules, a strong marker fires on one
// request.

var ruleCommandInjection = rule{
	id: "command-injection", cat: evidence.CommandInjection, sev: evidence.High, kind: kindPayload,
	what:   "OS command injection",
	config: []string{"payload_matches"},
	doc: payloadDoc("shell commands after a shell metacharacter (;cat /etc/passwd, |id, $(curl ...|sh), backticks, ${IFS}) in path or query, "+
		"download-and-run commands (wget http, /bin/sh) in any field", ""),
	patterns: func() []pattern {
		var p []pattern
		// Not in user agents: "(MTK; U; id)" is a locale, not a command.
		for _, m := range []string{";", "|", "`", "$(", "&&"} {
			p = append(p, pattern{text: m, fields: fTarget, strong: true,
				confirm: checkShell, label: "shell command after " + m})
		}
		p = append(p, pats(fTarget, anywhere, true, "${ifs}", "$ifs$9", "-o-|sh", "-o- |sh", "-o-| sh")...)
		p = append(p, pats(fAll, anywhere, true, "wget http", "curl http", "/bin/sh", "/bin/bash", "/bin/busybox",
			"|sh -c", "| sh -c")...)
		p = append(p, pats(fQuery, anywhere, true, "/powershell")...)
		return append(p, pats(fQuery|fUA|fRef, anywhere, false, "whoami", "rm -rf", "chmod 777", "chmod +x", "cd /tmp")...)
	},
	eval: payloadEval(false),
}

var (
	// A command that is an attack after any shell metacharacter.
	reShellCommand = regexp.MustCompile("(?:[;|`]|\\$\\(|&&)\\s*(?:wget|curl|chmod|bash|sh|busybox|ncat|nc|tftp|nslookup|powershell|python[23]?|perl|whoami|uname|ifconfig|netstat|sleep\\s+\\d|ping\\s+-[cn])(?:[\\s+;|`)&<>]|$)")
	// Short commands that are also words and names ("sort=name|id"): only
	// after a metacharacter that follows a digit, quote or the start of a
	// value, or with shell-looking arguments.
	reShellShort = regexp.MustCompile("(?:(?:^|[^a-z_])(?:[;|`]|\\$\\(|&&)\\s*(?:id|cat|echo|ls|cd|rm|pwd|ping|sleep|uname)(?:[\\s+;|`)&<>]|$))|(?:(?:[;|`]|\\$\\(|&&)\\s*(?:cat|ls|cd|rm|echo|head|tail)\\s+[-/~.$'\"])")
)

func confirmShell(s string) bool { return reShellCommand.MatchString(s) || reShellShort.MatchString(s) }

var ruleSSRF = rule{
	id: "ssrf", cat: evidence.SSRF, sev: evidence.High, kind: kindPayload,
	what:   "server-side request forgery",
	config: []string{"payload_matches"},
	doc: payloadDoc("URLs for the server to fetch from inside: cloud metadata addresses (169.254.169.254 in any notation, "+
		"metadata.google.internal), gopher://, dict://, file:// and loopback hosts (127.0.0.1 as decimal, hex, octal or IPv6, "+
		"localhost) as a query parameter's URL, OAuth's redirect_uri excepted", ""),
	patterns: func() []pattern {
		p := pats(fTarget, anywhere, true,
			"169.254.169.254", "0xa9fea9fe", "2852039166", "0251.0376.0251.0376", "::ffff:a9fe:a9fe",
			"fd00:ec2::254", "metadata.google.internal", "100.100.100.200", "instance-data.ec2.internal",
			"/latest/meta-data", "/computemetadata/v1", "gopher://", "dict://", "netdoc://")
		p = append(p, pats(fQuery, anywhere, true, "=file://", "=file:/")...)
		return append(p, pattern{text: "//", fields: fQuery, strong: true, confirm: checkLoopbackURL,
			label: "loopback URL in a parameter"})
	},
	eval: payloadEval(false),
}

// A parameter whose value is a URL to a loopback host: localhost,
// 127.0.0.0/8 in dotted, decimal, hex or octal form, 0.0.0.0, or IPv6 [::1]
// and [::ffff:127.x].
var reLoopbackURL = regexp.MustCompile(`([a-z0-9_.\[\]-]*)=(?:[a-z][a-z0-9+.-]*:)?//(?:[^/?#&@]*@)?` +
	`(?:localhost|127(?:\.\d{1,3}){0,3}|0x7f[0-9a-fx.]*|0177(?:\.[0-7x]+)*|21[34]\d{7}|0+(?:\.0+){0,3}|` +
	`\[(?:[0:]*:0*1|::|[0:]*:ffff:(?:127\.[0-9.]+|7f[0-9a-f:]*))\])(?:[:/?#&]|$)`)

func confirmLoopbackURL(s string) bool {
	for _, m := range reLoopbackURL.FindAllStringSubmatch(s, -1) {
		// Native apps receive OAuth answers on loopback (RFC 8252).
		if !strings.HasSuffix(m[1], "redirect_uri") {
			return true
		}
	}
	return false
}

var ruleRFI = rule{
	id: "rfi", cat: evidence.RFI, sev: evidence.High, kind: kindPayload,
	what:   "remote file inclusion",
	config: []string{"payload_matches"},
	doc: payloadDoc("a remote URL (http, https, ftp, smb, //host) as the value of a file-like parameter (file=, page=, include=, "+
		"template=, path= ...), or any parameter's URL ending in ? (the include's suffix cut off)", ""),
	patterns: func() []pattern {
		var p []pattern
		for _, t := range []string{"=http", "=ftp", "=smb:", "=//"} {
			p = append(p, pattern{text: t, fields: fQuery, strong: true, confirm: checkRFI, label: "remote file inclusion URL"})
		}
		return p
	},
	eval: payloadEval(false),
}

var (
	// Parameter names that take a file or template to include. Not url=,
	// next= or redirect=: those take links.
	reRFIParam = regexp.MustCompile(`(?:^|[?&;])[a-z0-9_\[\]-]*?(?:file|filename|page|include|inc|incl|require|template|tpl|` +
		`path|filepath|doc|document|folder|dir|root|style|layout|mod|module|conf|config|lang|language|view|load|read|show|content|skin|theme|pg)` +
		`(?:\[\])?=(?:(?:https?|ftps?|smb):)?//`)
	// Any URL ending in "?" (or .txt?): the suffix the include appends is cut off.
	reRFISuffix = regexp.MustCompile(`=(?:https?|ftp)://[^&]*(?:\?$|\?&|\?\?|\.txt\?)`)
)

func confirmRFI(s string) bool { return reRFIParam.MatchString(s) || reRFISuffix.MatchString(s) }

var ruleCRLFInjection = rule{
	id: "crlf-injection", cat: evidence.CRLFInjection, sev: evidence.Medium, kind: kindPayload,
	what:   "CRLF (header) injection",
	config: []string{"payload_matches"},
	doc:    payloadDoc("an encoded line break followed by a response header (%0d%0aSet-Cookie:, %0d%0aLocation:) or a second body in path or query", ""),
	patterns: func() []pattern {
		return []pattern{{text: "\n", fields: fTarget, strong: true, confirm: checkCRLF, label: "line break and header"}}
	},
	eval: payloadEval(false),
}

// A line break that starts a header an attacker would set, or ends the
// headers to start a body of their own.
var reCRLFHeader = regexp.MustCompile(`\r?\n[\t ]*(?:set-cookie|location|content-(?:type|length|security-policy|disposition)|` +
	`x-[a-z-]+|refresh|access-control-[a-z-]+|cache-control|link|host)[\t ]*:|\r?\nhttp/1\.[01] \d|\r?\n\r?\n[\t ]*<`)

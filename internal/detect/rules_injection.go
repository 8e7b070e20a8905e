package detect

import (
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

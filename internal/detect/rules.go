package detect

import (
	"regexp"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// ruleID indexes the rules; the string ids in rules are the stable names.
type ruleID uint8

const (
	rSensitive ruleID = iota
	rWordPress
	rAdmin
	rTech
	rTraversal
	rSQLi
	rXSS
	rLog4Shell
	rCVE
	rWebshell
	rScannerUA
	rProbing
	rCrawl
	rBrute
	rBadRequest
	rLogin // marker only: login endpoints for the brute-force rule
	numRules
)

type ruleKind uint8

const (
	kindPresence  ruleKind = iota // distinct paths of a kind (files, products, panels)
	kindPayload                   // requests carrying an exploit payload
	kindBehaviour                 // rates, bursts, failures
)

type ruleInfo struct {
	id   string
	cat  evidence.Category
	sev  evidence.Severity
	kind ruleKind
	what string // what the rule counts, for reasons
}

var rules = [numRules]ruleInfo{
	rSensitive:  {"sensitive-files", evidence.SensitiveFiles, evidence.Medium, kindPresence, "sensitive file"},
	rWordPress:  {"wordpress-scan", evidence.WordPressScan, evidence.Medium, kindPresence, "WordPress path"},
	rAdmin:      {"admin-probing", evidence.AdminProbing, evidence.Medium, kindPresence, "admin-interface path"},
	rTech:       {"tech-probing", evidence.TechProbing, evidence.Low, kindPresence, "technology-specific path"},
	rTraversal:  {"path-traversal", evidence.PathTraversal, evidence.High, kindPayload, "path traversal"},
	rSQLi:       {"sqli", evidence.SQLInjection, evidence.High, kindPayload, "SQL injection"},
	rXSS:        {"xss", evidence.XSS, evidence.High, kindPayload, "cross-site scripting"},
	rLog4Shell:  {"log4shell", evidence.Log4Shell, evidence.Critical, kindPayload, "Log4Shell JNDI lookup"},
	rCVE:        {"cve-probe", evidence.CVEProbe, evidence.High, kindPayload, "known-exploit"},
	rWebshell:   {"webshell", evidence.Webshell, evidence.High, kindPresence, "webshell/backdoor path"},
	rScannerUA:  {"scanner-ua", evidence.ScannerUA, evidence.Medium, kindBehaviour, "attack-tool user agent"},
	rProbing:    {"http-probing", evidence.HTTPProbing, evidence.Medium, kindBehaviour, "failing path"},
	rCrawl:      {"aggressive-crawl", evidence.AggressiveCrawl, evidence.Low, kindBehaviour, "request"},
	rBrute:      {"brute-force", evidence.BruteForce, evidence.High, kindBehaviour, "failed login"},
	rBadRequest: {"bad-request", evidence.BadRequest, evidence.Low, kindBehaviour, "bad request"},
	rLogin:      {"login", "", evidence.Info, kindBehaviour, ""},
}

// Which field of a request a pattern applies to.
type field uint8

const (
	fPath field = 1 << iota
	fQuery
	fUA
	fRef
	fTarget = fPath | fQuery
	fAll    = fPath | fQuery | fUA | fRef
)

// Where in the text a pattern must sit.
type position uint8

const (
	anywhere position = iota
	suffix            // ends the text (one trailing '/' allowed)
	segment           // followed by '/', ';' or the end of the text
)

type pattern struct {
	text    string // lowercase
	rule    ruleID
	fields  field
	pos     position
	strong  bool                   // fires the rule on its own
	confirm func(text string) bool // extra check on the text around the match
	tail    bool                   // confirm needs the text up to its end (a cheap suffix check)
	label   string                 // marker shown in reasons when text alone says little
}

func pats(rule ruleID, fields field, pos position, strong bool, texts ...string) []pattern {
	out := make([]pattern, len(texts))
	for i, t := range texts {
		out[i] = pattern{text: strings.ToLower(t), rule: rule, fields: fields, pos: pos, strong: strong}
	}
	return out
}

var (
	// Between the keywords: blanks (vertical tab and bytes that are not
	// UTF-8, such as MySQL's 0xA0, included), comments and MySQL's
	// versioned comments (/*!50000select*/), sqlmap's usual disguises.
	reUnionSelect = regexp.MustCompile(`union` + sqlGap + `*(?:(?:all|distinct)` + sqlGap + `+)?select[\s\v/*+(\x{fffd}]`)
	// SELECT ... FROM only after a quote, parenthesis or semicolon: plain
	// search text ("how to select rows from a table") is not SQL.
	reSelectFrom = regexp.MustCompile(`['"();][\s\v/*]*\(?[\s\v/*]*select[\s\v/*+(]+.{1,80}?[\s\v/*)'"]+from[\s\v/*+(]`)
	reSQLTaut    = regexp.MustCompile(`['"\)][\s\v/*]*(or|and)[\s\v/*(]+['"]?\w*['"]?[\s\v/*]*(=|like|<|>)`)
	reRFI        = regexp.MustCompile(`=(https?|ftp)://[^&]*(\?$|\?&|\?\?|\.txt\?)`)
	// An event handler attribute inside markup, not a query parameter.
	reEventHandler = regexp.MustCompile(`[\s/"'<+;]on[a-z]+\s*=`)
	// A shell command right after a shell metacharacter.
	reShellInjection = regexp.MustCompile("(?:[;|`]|\\$\\(|&&)\\s*(?:wget|curl|rm|cd|chmod|sh|bash|ping|nc|ncat|busybox|tftp|echo|cat|id|whoami|uname|nslookup|powershell|python|perl|sleep)(?:[\\s+;|`)]|$)")
	// Log4j lookups nested to hide "jndi": ${lower:j}, ${::-j}, ${env:X:-j}, ${date:'j'}.
	reLookupDefault = regexp.MustCompile(`\$\{[^${}]*?:-([^${}]*)\}`)
	reLookupCase    = regexp.MustCompile(`\$\{(?:lower|upper|date):'?([^${}']*)'?\}`)
)

const sqlGap = `(?:[\s\v/*+()\x{fffd}]|/\*!\d*)`

// confirmJNDI reports whether a "${" text hides a JNDI lookup.
func confirmJNDI(s string) bool {
	if strings.Contains(s, "${jndi:") {
		return true
	}
	for range 6 {
		t := reLookupCase.ReplaceAllString(reLookupDefault.ReplaceAllString(s, "$1"), "$1")
		if strings.Contains(t, "${jndi:") || strings.Contains(t, "jndi:ldap") || strings.Contains(t, "jndi:rmi") ||
			strings.Contains(t, "jndi:dns") || strings.Contains(t, "jndi:iiop") || strings.Contains(t, "jndi:http") ||
			strings.Contains(t, "jndi:nis") || strings.Contains(t, "jndi:corba") {
			return true
		}
		if t == s {
			return false
		}
		s = t
	}
	return false
}

// allPatterns is the single pattern set every request is scanned with.
func allPatterns() []pattern {
	var p []pattern
	// Sensitive files. The names come from crowdsecurity/sec-lists
	// web/sensitive_data.txt (MIT, (c) CrowdSec), rewritten here with positions;
	// .exe/.dll/.bat/.pac/.printer are left out because real sites serve them.
	p = append(p, pats(rSensitive, fPath, segment, false,
		"/.bash_history", "/.bashrc", "/.bash_profile", "/.zsh_history", "/.cache", "/.config", "/.cvs",
		"/.cvsignore", "/.forward", "/.git", "/.gitlab-ci", "/.history", "/.hta", "/.htaccess", "/.htpasswd",
		"/.listing", "/.listings", "/.msmtprc", "/.mysql_history", "/.passwd", "/.pwd", "/.perf",
		"/.profile", "/.rhosts", "/.sh_history", "/.ssh", "/.subversion", "/.svn", "/.s3cfg", "/.aws",
		"/.awscfg", "/.ds_store", "/.npmrc", "/.git-credentials", "/.dockerenv", "/.docker", "/.vscode",
		"/.idea", "/.jupyter", "/.lanproxy", "/.cordova", "/.deployment-config.json", "/.boto", "/.pgpass",
		"/.my.cnf", "/.netrc", "/.kube", "/.terraform", "/.circleci", "/.travis.yml",
		"/_wpeprivate", "/config/aws.yml", "/aws/credentials", "/.config/gatsby")...)
	p = append(p, pats(rSensitive, fPath, anywhere, false, "/.env")...)
	p = append(p, pats(rSensitive, fPath, suffix, false,
		".sql", ".sql.gz", ".sql.tar", ".sql.bzip2", ".sql.bz2", ".sql.zip", ".sql.rar", ".sql.7z", ".bak",
		".swp", ".php~", ".php.save", ".php.orig", ".php.old", "/env.bak", "/env.backup", "/env.production.js",
		"/env.test.js", "/env.dev.js", "/test-env.json", "/env.json", "/aws-key.yml", "/secrets.yml",
		"/secrets.json", "/composer.json", "/composer.lock", "/id_rsa", "/id_dsa", "/id_ecdsa",
		"/id_ed25519", "/web.config", "/database.yml", "/docker-compose.yml", "/credentials.json",
		"/sftp-config.json", "/phpinfo.php", "/info.php", "/backup.zip", "/backup.tar.gz", "/backup.tgz",
		"/backup.rar", "/www.zip", "/www.tar.gz", "/site.tar.gz", "/db.zip", "/wp-config.php.txt",
		"/config.php.txt", "/settings.php.txt", "/appsettings.json", "/parameters.yml", "/config.yml.bak")...)

	// WordPress: counted only when they fail, so a real WordPress site's
	// own traffic does not count.
	p = append(p, pats(rWordPress, fPath, anywhere, false,
		"wp-login.php", "xmlrpc.php", "/wp-admin", "/wp-content/plugins/", "/wp-content/themes/",
		"/wp-includes/", "wlwmanifest.xml", "/wp-config", "/wp-json/wp/v2/users", "/wp-signup.php",
		"/wp-trackback.php", "/wp-links-opml.php", "/wp-load.php", "/wp-settings.php", "/wp-mail.php",
		"/wp-blog-header.php", "/wp-cron.php", "/wp-register.php")...)

	// Admin interfaces: product-specific ones are strong; generic ones weak.
	p = append(p, pats(rAdmin, fPath, anywhere, true,
		"/phpmyadmin", "/pma/", "/myadmin", "/mysqladmin", "/phpmy-admin", "/sqladmin", "/adminer",
		"/server-status", "/server-info", "/manager/html", "/manager/text", "/host-manager/",
		"/jmx-console", "/web-console", "/administrator/index.php", "/phppgadmin", "/dbadmin",
		"/_phpmyadmin", "/websql", "/actuator", "/solr/admin", "/nginx_status", "/webmin", "/cpanel",
		"/whm-server-status", "/phpmyadmin2", "/mysql-admin", "/admin/phpmyadmin")...)
	p = append(p, pats(rAdmin, fPath, anywhere, false,
		"/admin", "/administrator", "/adm/", "/backend/", "/console", "/manager/", "/panel/", "/cms/", "/siteadmin")...)

	// Technologies: paths that only make sense for a specific product.
	p = append(p, pats(rTech, fPath, anywhere, true, "/nice ports,")...)
	p = append(p, pats(rTech, fPath, segment, true,
		"/cgi-bin", "/crx", "/solr", "/jenkins", "/hudson", "/invoker", "/owa", "/ecp",
		"/remote/login", "/remote/fgt_lang", "/dana-na", "/+cscoe+", "/global-protect", "/sslvpn",
		"/geoserver", "/nacos", "/druid", "/telescope", "/_profiler", "/horde", "/roundcube",
		"/zimbra", "/axis2", "/cfide", "/autodiscover", "/level/15", "/nmaplowercheck",
		"/stalker_portal", "/elmah.axd", "/trace.axd", "/v2/_catalog", "/containers/json",
		"/api/v1/pods", "/weblogic", "/wls-wsat", "/struts", "/seeyon", "/mifs", "/webtools/control",
		"/typo3", "/magento_version", "/downloader/", "/jolokia", "/hazelcast", "/manage/account/login",
		"/ews", "/mapi", "/xampp", "/sap/bc", "/dns-query", "/portal/redlion", "/ab2g", "/ab2h",
		"/evox/about")...)
	p = append(p, pats(rTech, fPath, suffix, false,
		".php", ".asp", ".aspx", ".jsp", ".jspx", ".cgi", ".action", ".do", ".pl", ".cfm", ".ashx",
		".asmx", ".nsf", ".esp", ".php5", ".phtml")...)

	// Webshells and backdoors, by the names they are dropped under.
	p = append(p, pats(rWebshell, fPath, suffix, true,
		"/shell.php", "/cmd.php", "/c99.php", "/c100.php", "/r57.php", "/wso.php", "/wso1.php",
		"/alfa.php", "/alfa-rex.php", "/alfanew.php", "/alfacgiapi", "/b374k.php", "/indoxploit.php",
		"/webshell.php", "/phpspy.php", "/sh3ll.php", "/xleet.php", "/priv8.php", "/backdoor.php",
		"/c99shell.php", "/r57shell.php", "/shell.aspx", "/cmd.aspx", "/cmd.jsp", "/shell.jsp",
		"/cmd.asp", "/shell.asp", "/simple-backdoor.php", "/wp-shell.php", "/leaf.php", "/marijuana.php",
		"/shell20.php", "/1337.php")...)
	p = append(p, pattern{text: "/wp-content/uploads/", rule: rWebshell, fields: fPath, strong: true, tail: true,
		confirm: func(s string) bool { return strings.HasSuffix(s, ".php") || strings.HasSuffix(s, ".phtml") },
		label:   "PHP file under /wp-content/uploads/"})

	// Path traversal.
	p = append(p, pats(rTraversal, fTarget|fRef, anywhere, true,
		"/etc/passwd", "/etc/shadow", "/etc/hosts", "/proc/self/", "win.ini", "boot.ini", "/windows/system32",
		"c:/windows", "web-inf/web.xml", "../../", "..;/", "\xc0\xae", "/..%00", "\x00")...)
	p = append(p, pats(rTraversal, fTarget, anywhere, false, "../", "/etc/group")...)

	// SQL injection (after CrowdSec's sqli_probe_patterns idea; own list).
	p = append(p, pats(rSQLi, fQuery|fPath|fUA|fRef, anywhere, true,
		"information_schema", "pg_sleep(", "benchmark(", "waitfor delay", "load_file(", "into outfile",
		"into dumpfile", "extractvalue(", "updatexml(", "@@version", "xp_cmdshell", "sysobjects",
		"sysdatabases", "||chr(", "dbms_pipe", "utl_inaddr", "' or '1'='1", "\" or \"1\"=\"1",
		" or 1=1", "'or 1=1", "' or 1=1", "sqlite_master")...)
	p = append(p, pats(rSQLi, fQuery|fPath, anywhere, false,
		"sleep(", "char(", "chr(", "concat(", "substr(", "substring(", "upper(", "hex(", "md5(", ",null",
		"distinct(", "/**/", "group_concat(", "ascii(", "'--", "';", "0x7e", "cast(")...)
	p = append(p, pattern{text: "union", rule: rSQLi, fields: fQuery | fPath | fUA | fRef, strong: true,
		confirm: reUnionSelect.MatchString, label: "union select"})
	p = append(p, pattern{text: "select", rule: rSQLi, fields: fQuery | fUA | fRef, strong: true,
		confirm: reSelectFrom.MatchString, label: "select ... from after a quote"})
	p = append(p, pattern{text: "'", rule: rSQLi, fields: fQuery, strong: true, confirm: reSQLTaut.MatchString, label: "quote tautology (' or 'x'='x)"})
	p = append(p, pattern{text: "\"", rule: rSQLi, fields: fQuery, strong: true, confirm: reSQLTaut.MatchString, label: "quote tautology (\" or \"x\"=\"x)"})

	// Cross-site scripting.
	p = append(p, pats(rXSS, fTarget|fRef|fUA, anywhere, true,
		"<script", "javascript:alert", "javascript:prompt", "javascript:confirm", "javascript:eval",
		"document.cookie", "<svg", "<iframe", "<body onload", "fromcharcode(", "<img src=x")...)
	p = append(p, pats(rXSS, fTarget, anywhere, false, "alert(", "prompt(", "confirm(", "<img", "\"><", "'><", "eval(")...)
	// Event handlers only inside markup: "?onload=initMap" is a parameter.
	for _, h := range []string{"onerror", "onload", "onmouseover", "onfocus", "ontoggle", "onanimationstart"} {
		p = append(p, pattern{text: h, rule: rXSS, fields: fTarget | fRef | fUA, strong: true,
			confirm: reEventHandler.MatchString, label: h + "= in markup"})
	}
	// javascript: URLs, but not the javascript:void(0) that naive crawlers
	// lift from href attributes.
	p = append(p, pattern{text: "javascript:", rule: rXSS, fields: fTarget,
		confirm: func(s string) bool { return !strings.Contains(s, "javascript:void") }})

	// Log4Shell: "${" is confirmed by de-obfuscating lookups.
	p = append(p, pattern{text: "${", rule: rLog4Shell, fields: fAll, strong: true, confirm: confirmJNDI, label: "${...jndi:...} lookup"})
	p = append(p, pats(rLog4Shell, fAll, anywhere, true, "jndi:ldap", "jndi:rmi", "jndi:dns")...)

	// Other known exploits: payloads and exploit-only paths.
	p = append(p, pats(rCVE, fAll, anywhere, true,
		"${(#", "%{(#", "@java.lang.runtime@", "@ognl", "ognlcontext", "#_memberaccess",
		"class.module.classloader", "() {", "invokefunction", "call_user_func_array", "wget http",
		"curl http", "/bin/sh", "/bin/bash", "/bin/busybox", "mozi.m", "mozi.a", "allow_url_include",
		"auto_prepend_file", "php://input", "php://filter", "data://text", "expect://", "rfiinc.txt",
		"xdebug_session_start=phpstorm", "java.lang.processbuilder", "runtime.getruntime", "netgear.cfg")...)
	p = append(p, pats(rCVE, fQuery, anywhere, true, "/powershell")...)
	// Shell commands after a shell metacharacter (";wget", "|sh", "$(id)").
	for _, m := range []string{";", "|", "`", "$(", "&&"} {
		// Not in user agents: "(MTK; U; id)" is a locale, not a command.
		p = append(p, pattern{text: m, rule: rCVE, fields: fTarget, strong: true,
			confirm: reShellInjection.MatchString, label: "shell command after " + m})
	}
	p = append(p, pats(rCVE, fPath, anywhere, true,
		"/remote_agent.php", "/vendor/phpunit/", "eval-stdin.php", "/_ignition/execute-solution",
		"/boaform/", "/hnap1", "/gponform/", "/tmui/", "/mgmt/tm/util/bash", "/api/jsonws/invoke",
		"/_async/asyncresponseservice", "/actuator/gateway/routes", "/device.rsp", "/setup.cgi",
		"/cgi-bin/kerbynet", "/goform/set", "/cgi-bin/luci/;stok=", "/debug/default/view",
		"/index.php/module/action/param1/", "/wp-content/plugins/wp-file-manager/lib/php/connector.minimal.php",
		"/console/css/", "/mifs/.;/", "/fileupload/upload.aspx", "/api/v1/totp/user-backup-code",
		"/sslmgr", "/global-protect/portal/images", "/dana-cached/", "/cgi-bin/config.exp",
		"/apply.cgi", "/picsdesc.xml", "/ctrlt/deviceupgrade")...)
	p = append(p, pats(rCVE, fQuery|fUA|fRef, anywhere, false,
		"whoami", "exec(", "system(", "passthru(", "shell_exec(", "base64_decode(", "rm -rf", "chmod 777",
		"chmod +x", "cd /tmp")...)
	p = append(p, pattern{text: "=http", rule: rCVE, fields: fQuery, strong: true, confirm: reRFI.MatchString, label: "remote file inclusion URL"})
	p = append(p, pattern{text: "=ftp", rule: rCVE, fields: fQuery, strong: true, confirm: reRFI.MatchString, label: "remote file inclusion URL"})

	// Attack tools that name themselves in the user agent.
	p = append(p, pats(rScannerUA, fUA, anywhere, true,
		"nikto", "sqlmap", "zgrab", "masscan", "nuclei", "gobuster", "dirbuster", "dirb/", "wpscan",
		"nmap scripting engine", "nmap", "acunetix", "netsparker", "openvas", "w3af", "havij", "fimap",
		"arachni", "feroxbuster", "fuzz faster u fool", "ffuf", "jorgee", "zmeu", "morfeus", "nessus",
		"wfuzz", "commix", "joomscan", "xsstrike", "struts-pwn", "l9explore", "l9tcpid",
		"skipfish", "whatweb", "jaeles", "httpx - open-source", "webinspect", "appscan",
		"burpcollaborator", "interact.sh",
		// Mirai/Mozi-family IoT bots send this literal UA.
		"hello, world")...)

	// Login endpoints, for brute force.
	p = append(p, pats(rLogin, fPath, anywhere, false,
		"login", "signin", "sign-in", "sign_in", "logon", "xmlrpc.php", "/auth", "/session", "/oauth/token",
		"/wp-admin", "/user/password", "/api/token", "/j_security_check", "/administrator/index.php")...)
	return p
}

// staticExt reports whether a path names a static asset: browsers fetch
// these in bulk, so they never count toward probing or crawling.
func staticExt(p string) bool {
	i := strings.LastIndexByte(p, '.')
	if i < 0 || strings.IndexByte(p[i:], '/') >= 0 {
		return false
	}
	switch p[i+1:] {
	case "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "avif", "bmp",
		"woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "ogg", "wav", "m4a", "mov",
		"pdf", "tif", "tiff", "wasm", "avi", "flac", "heic", "jxl", "apng", "cur":
		return true
	}
	return false
}

// apiLike reports whether a path looks like an application API route: an
// app's own client can fail there in bulk (missing ids, expired tokens).
func apiLike(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/graphql") ||
		strings.Contains(p, "/v1/") || strings.Contains(p, "/v2/") || strings.Contains(p, "/v3/") ||
		strings.HasPrefix(p, "/_next/data/") || strings.HasPrefix(p, "/rest/")
}

package detect

import (
	"fmt"
	"hash/maphash"

	"github.com/logsift/logsift/internal/evidence"
)

// Presence rules: requests for paths of a kind (files, products, panels),
// counted by distinct path.

var ruleSensitiveFiles = rule{
	id: "sensitive-files", cat: evidence.SensitiveFiles, sev: evidence.Medium, kind: kindPresence,
	what:   "sensitive file",
	config: []string{"sensitive_files"},
	doc: func(c *Config) string {
		return fmt.Sprintf("distinct sensitive files >= %d; one answered 2xx with a body fires at once (high), unless its size is the site's usual page (PageSizes); 2xx samples are kept first", c.SensitiveFiles)
	},
	patterns: func() []pattern {
		// The names come from crowdsecurity/sec-lists web/sensitive_data.txt
		// (MIT, (c) CrowdSec), rewritten here with positions; .exe/.dll/.bat/
		// .pac/.printer are left out because real sites serve them.
		p := pats(fPath, segment, false,
			"/.bash_history", "/.bashrc", "/.bash_profile", "/.zsh_history", "/.cache", "/.config", "/.cvs",
			"/.cvsignore", "/.forward", "/.git", "/.gitlab-ci", "/.history", "/.hta", "/.htaccess", "/.htpasswd",
			"/.listing", "/.listings", "/.msmtprc", "/.mysql_history", "/.passwd", "/.pwd", "/.perf",
			"/.profile", "/.rhosts", "/.sh_history", "/.ssh", "/.subversion", "/.svn", "/.s3cfg", "/.aws",
			"/.awscfg", "/.ds_store", "/.npmrc", "/.git-credentials", "/.dockerenv", "/.docker", "/.vscode",
			"/.idea", "/.jupyter", "/.lanproxy", "/.cordova", "/.deployment-config.json", "/.boto", "/.pgpass",
			"/.my.cnf", "/.netrc", "/.kube", "/.terraform", "/.circleci", "/.travis.yml",
			"/_wpeprivate", "/config/aws.yml", "/aws/credentials", "/.config/gatsby")
		p = append(p, pats(fPath, anywhere, false, "/.env")...)
		return append(p, pats(fPath, suffix, false,
			".sql", ".sql.gz", ".sql.tar", ".sql.bzip2", ".sql.bz2", ".sql.zip", ".sql.rar", ".sql.7z", ".bak",
			".swp", ".php~", ".php.save", ".php.orig", ".php.old", "/env.bak", "/env.backup", "/env.production.js",
			"/env.test.js", "/env.dev.js", "/test-env.json", "/env.json", "/aws-key.yml", "/secrets.yml",
			"/secrets.json", "/composer.json", "/composer.lock", "/id_rsa", "/id_dsa", "/id_ecdsa",
			"/id_ed25519", "/web.config", "/database.yml", "/docker-compose.yml", "/credentials.json",
			"/sftp-config.json", "/phpinfo.php", "/info.php", "/backup.zip", "/backup.tar.gz", "/backup.tgz",
			"/backup.rar", "/www.zip", "/www.tar.gz", "/site.tar.gz", "/db.zip", "/wp-config.php.txt",
			"/config.php.txt", "/settings.php.txt", "/appsettings.json", "/parameters.yml", "/config.yml.bak")...)
	},
	record: notStatic,
	eval: func(j *judge) (verdict, bool) {
		r := j.r
		d := r.distinct()
		catchAll := j.e.catchAll(r.leaks, r.leakSizes)
		leak := r.leaks > 0 && !catchAll
		v := verdict{fire: d >= j.cfg.SensitiveFiles || leak}
		v.reason = fmt.Sprintf("requested %s distinct sensitive file%s, e.g. %s (threshold %d)",
			countStr(d, r.overflow), plural(d), j.example, j.cfg.SensitiveFiles)
		switch {
		case leak:
			v.sev = evidence.High
			v.reason += fmt.Sprintf("; %d answered 2xx with a body%s: a possible leak, check what was served", r.leaks, servedExample(r))
			v.samples = servedFirst(r.samples)
		case catchAll:
			v.reason += fmt.Sprintf("; %d answered 2xx, but with the size of the site's usual page (%d bytes), likely a catch-all page rather than the file", r.leaks, r.leakSizes[0])
		}
		v.reason += j.claimed
		return v, true
	},
}

var ruleWordPressScan = rule{
	id: "wordpress-scan", cat: evidence.WordPressScan, sev: evidence.Medium, kind: kindPresence,
	what:   "WordPress path",
	config: []string{"wordpress_paths"},
	doc: func(c *Config) string {
		return fmt.Sprintf("distinct failing WordPress paths >= %d (assets excluded; 2xx only if a catch-all page)", c.WordPressPaths)
	},
	// Counted only when they fail, so a real WordPress site's own traffic
	// does not count.
	patterns: func() []pattern {
		return pats(fPath, anywhere, false,
			"wp-login.php", "xmlrpc.php", "/wp-admin", "/wp-content/plugins/", "/wp-content/themes/",
			"/wp-includes/", "wlwmanifest.xml", "/wp-config", "/wp-json/wp/v2/users", "/wp-signup.php",
			"/wp-trackback.php", "/wp-links-opml.php", "/wp-load.php", "/wp-settings.php", "/wp-mail.php",
			"/wp-blog-header.php", "/wp-cron.php", "/wp-register.php")
	},
	record: countFailedProbe,
	eval: func(j *judge) (verdict, bool) {
		d := j.r.distinct()
		return verdict{fire: d >= j.cfg.WordPressPaths,
			reason: fmt.Sprintf("requested %s distinct WordPress path%s that failed, e.g. %s (threshold %d)%s",
				countStr(d, j.r.overflow), plural(d), j.example, j.cfg.WordPressPaths, j.caught)}, true
	},
}

var ruleAdminProbing = rule{
	id: "admin-probing", cat: evidence.AdminProbing, sev: evidence.Medium, kind: kindPresence,
	what:   "admin-interface path",
	config: []string{"admin_paths"},
	doc: func(c *Config) string {
		return fmt.Sprintf("failing admin paths: product-specific (phpMyAdmin, /actuator) on 1, generic >= %d", c.AdminPaths)
	},
	// Product-specific admin interfaces are strong; generic ones weak.
	patterns: func() []pattern {
		p := pats(fPath, anywhere, true,
			"/phpmyadmin", "/pma/", "/myadmin", "/mysqladmin", "/phpmy-admin", "/sqladmin", "/adminer",
			"/server-status", "/server-info", "/manager/html", "/manager/text", "/host-manager/",
			"/jmx-console", "/web-console", "/administrator/index.php", "/phppgadmin", "/dbadmin",
			"/_phpmyadmin", "/websql", "/actuator", "/solr/admin", "/nginx_status", "/webmin", "/cpanel",
			"/whm-server-status", "/phpmyadmin2", "/mysql-admin", "/admin/phpmyadmin")
		return append(p, pats(fPath, anywhere, false,
			"/admin", "/administrator", "/adm/", "/backend/", "/console", "/manager/", "/panel/", "/cms/", "/siteadmin")...)
	},
	record: countFailedProbe,
	eval:   productOrCount(func(c *Config) int { return c.AdminPaths }),
}

var ruleTechProbing = rule{
	id: "tech-probing", cat: evidence.TechProbing, sev: evidence.Low, kind: kindPresence,
	what:   "technology-specific path",
	config: []string{"tech_paths"},
	doc: func(c *Config) string {
		return fmt.Sprintf("failing technology paths: product-specific (/cgi-bin/, /crx/) on 1, by extension >= %d", c.TechPaths)
	},
	// Paths that only make sense for a specific product.
	patterns: func() []pattern {
		p := pats(fPath, anywhere, true, "/nice ports,")
		p = append(p, pats(fPath, segment, true,
			"/cgi-bin", "/crx", "/solr", "/jenkins", "/hudson", "/invoker", "/owa", "/ecp",
			"/remote/login", "/remote/fgt_lang", "/dana-na", "/+cscoe+", "/global-protect", "/sslvpn",
			"/geoserver", "/nacos", "/druid", "/telescope", "/_profiler", "/horde", "/roundcube",
			"/zimbra", "/axis2", "/cfide", "/autodiscover", "/level/15", "/nmaplowercheck",
			"/stalker_portal", "/elmah.axd", "/trace.axd", "/v2/_catalog", "/containers/json",
			"/api/v1/pods", "/weblogic", "/wls-wsat", "/struts", "/seeyon", "/mifs", "/webtools/control",
			"/typo3", "/magento_version", "/downloader/", "/jolokia", "/hazelcast", "/manage/account/login",
			"/ews", "/mapi", "/xampp", "/sap/bc", "/dns-query", "/portal/redlion", "/ab2g", "/ab2h",
			"/evox/about")...)
		return append(p, pats(fPath, suffix, false,
			".php", ".asp", ".aspx", ".jsp", ".jspx", ".cgi", ".action", ".do", ".pl", ".cfm", ".ashx",
			".asmx", ".nsf", ".esp", ".php5", ".phtml")...)
	},
	record: countFailedProbe,
	eval:   productOrCount(func(c *Config) int { return c.TechPaths }),
}

var ruleWebshell = rule{
	id: "webshell", cat: evidence.Webshell, sev: evidence.High, kind: kindPresence,
	what: "webshell/backdoor path",
	doc: func(*Config) string {
		return "known backdoor names, on one request (critical when answered 2xx with a body)"
	},
	// By the names they are dropped under.
	patterns: func() []pattern {
		p := pats(fPath, suffix, true,
			"/shell.php", "/cmd.php", "/c99.php", "/c100.php", "/r57.php", "/wso.php", "/wso1.php",
			"/alfa.php", "/alfa-rex.php", "/alfanew.php", "/alfacgiapi", "/b374k.php", "/indoxploit.php",
			"/webshell.php", "/phpspy.php", "/sh3ll.php", "/xleet.php", "/priv8.php", "/backdoor.php",
			"/c99shell.php", "/r57shell.php", "/shell.aspx", "/cmd.aspx", "/cmd.jsp", "/shell.jsp",
			"/cmd.asp", "/shell.asp", "/simple-backdoor.php", "/wp-shell.php", "/leaf.php", "/marijuana.php",
			"/shell20.php", "/1337.php")
		return append(p, pattern{text: "/wp-content/uploads/", fields: fPath, strong: true,
			confirm: checkPHPName,
			label:   "PHP file under /wp-content/uploads/"})
	},
	record: notStatic,
	eval: func(j *judge) (verdict, bool) {
		r := j.r
		d := r.distinct()
		v := verdict{fire: true,
			reason: fmt.Sprintf("requested %d known webshell/backdoor path%s, e.g. %s", d, plural(d), j.example)}
		if r.leaks > 0 && !j.e.catchAll(r.leaks, r.leakSizes) {
			v.sev = evidence.Critical
			v.reason += fmt.Sprintf("; %d answered 2xx with a body%s: a backdoor may be installed", r.leaks, servedExample(r))
			v.samples = servedFirst(r.samples)
		}
		v.reason += j.claimed
		return v, true
	},
}

// notStatic is the record hook of rules for which a static asset never
// counts (a theme's /assets/backup.png is not a backup).
func notStatic(q *request, _ *richState, _ ruleID, _ found) bool { return !q.static }

// countFailedProbe is the record hook of probing rules: only failures count.
// A site's own WordPress or admin panel answers, probes for what is not there
// fail. Crawlers that follow links to such paths are exempt. 2xx answers are
// kept aside: if they turn out to be a single-page app's catch-all page, they
// were failures too (see Engine.evaluate).
func countFailedProbe(q *request, rs *richState, id ruleID, f found) bool {
	if q.static || q.exempt {
		return false
	}
	if id != rWordPress && q.found[rWordPress].hit {
		return false // wp-admin is WordPress, not a generic admin panel
	}
	if !q.failing() {
		if q.success() {
			rst := rs.rule(id)
			rst.addOK(maphash.String(q.seed, q.npath), f.strong, q.r.Bytes)
			if rst.marker == "" {
				rst.marker = f.marker
			}
			rst.sample(q)
		}
		return false
	}
	return true
}

// productOrCount evaluates a probing rule whose product-specific paths fire
// on one request and whose generic ones need threshold distinct paths.
func productOrCount(threshold func(*Config) int) func(j *judge) (verdict, bool) {
	return func(j *judge) (verdict, bool) {
		r := j.r
		d := r.distinct()
		th := threshold(j.cfg)
		reason := fmt.Sprintf("requested %s distinct %s%s that failed, e.g. %s", countStr(d, r.overflow), j.rule.what, plural(d), j.example)
		if r.strongN > 0 {
			reason += fmt.Sprintf(" (%d name a specific product, which fires on one request)", r.strongN)
		} else {
			reason += fmt.Sprintf(" (threshold %d)", th)
		}
		return verdict{fire: r.strongN > 0 || d >= th, reason: reason + j.caught}, true
	}
}

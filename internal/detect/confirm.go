package detect

import "strings"

// The checks that confirm a keyword the automaton found. Each sees the
// whole normalised field and runs at most once per field (Engine.scanField).
var (
	checkUnionSelect  = &check{"union select", reUnionSelect.MatchString}
	checkSelectFrom   = &check{"select from", reSelectFrom.MatchString}
	checkSQLTaut      = &check{"quote tautology", reSQLTaut.MatchString}
	checkSQLSleep     = &check{"sleep in an expression", reSQLSleep.MatchString}
	checkSQLStacked   = &check{"stacked query", reSQLStacked.MatchString}
	checkSQLBoolean   = &check{"boolean test", reSQLBoolean.MatchString}
	checkEventHandler = &check{"event handler", reEventHandler.MatchString}
	checkJNDI         = &check{"jndi lookup", confirmJNDI}
	checkShell        = &check{"shell command", confirmShell}
	checkLoopbackURL  = &check{"loopback url", confirmLoopbackURL}
	checkRFI          = &check{"remote include", confirmRFI}
	checkCRLF         = &check{"header after a line break", reCRLFHeader.MatchString}
	checkNotVoid      = &check{"not javascript:void", func(s string) bool { return !strings.Contains(s, "javascript:void") }}
	checkPHPName      = &check{"php file name", func(s string) bool {
		return strings.HasSuffix(s, ".php") || strings.HasSuffix(s, ".phtml")
	}}
)

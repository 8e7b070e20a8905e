package logformat

import (
	"strings"
	"unicode/utf8"
)

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// monthIndex returns 1..12 for an English month abbreviation as Apache and
// nginx write it ("Sep"), 0 otherwise. It is the hot path.
func monthIndex(b []byte) int {
	if len(b) != 3 {
		return 0
	}
	for i, m := range months {
		if string(b) == m {
			return i + 1
		}
	}
	return 0
}

// monthNames holds, per month, the names and abbreviations that servers and
// log shippers running under a non-English locale write in a time field
// (English, French, German, Spanish, Italian, Portuguese, Dutch, the
// Scandinavian languages, Turkish and Russian), in lower case without a
// trailing period. A name that means different months in two languages
// (Croatian "lipanj" is June, Polish "lipiec" July) is left out: a wrong
// month is worse than a rejected line. TestMonthNamesUnambiguous checks it.
var monthNames = [12][]string{
	{"jan", "january", "janv", "janvier", "januar", "ene", "enero", "gen", "gennaio", "janeiro", "januari", "oca", "ocak", "янв", "январь", "января"},
	{"feb", "february", "févr", "fév", "fevr", "février", "februar", "febrero", "febbraio", "fev", "fevereiro", "februari", "şub", "şubat", "фев", "февр", "февраль", "февраля"},
	{"mar", "march", "mars", "mär", "märz", "mrz", "marzo", "março", "mrt", "maart", "marts", "mart", "мар", "март", "марта"},
	{"apr", "april", "avr", "avril", "abr", "abril", "aprile", "nis", "nisan", "апр", "апрель", "апреля"},
	{"may", "mai", "mayo", "mag", "maggio", "maio", "mei", "maj", "май", "мая"},
	{"jun", "june", "juin", "juni", "junio", "giu", "giugno", "junho", "haz", "haziran", "июн", "июнь", "июня"},
	{"jul", "july", "juil", "juillet", "juli", "julio", "lug", "luglio", "julho", "tem", "temmuz", "июл", "июль", "июля"},
	{"aug", "august", "août", "aout", "aoû", "ago", "agosto", "augustus", "augusti", "ağu", "ağustos", "авг", "август", "августа"},
	{"sep", "sept", "september", "septembre", "set", "septiembre", "setiembre", "settembre", "setembro", "eyl", "eylül", "сен", "сент", "сентябрь", "сентября"},
	{"oct", "october", "octobre", "okt", "oktober", "octubre", "ott", "ottobre", "out", "outubro", "eki", "ekim", "окт", "октябрь", "октября"},
	{"nov", "november", "novembre", "noviembre", "novembro", "kas", "kasım", "kasim", "ноя", "нояб", "ноябрь", "ноября"},
	{"dec", "december", "déc", "décembre", "dez", "dezember", "dic", "diciembre", "dicembre", "dezembro", "des", "desember", "aralık", "aralik", "ara", "дек", "декабрь", "декабря"},
}

// monthByName indexes monthNames; see monthNumber.
var monthByName = func() map[string]int {
	m := map[string]int{}
	for i, names := range monthNames {
		for _, n := range names {
			m[n] = i + 1
		}
	}
	return m
}()

// monthNumber returns 1..12 for a month name in a time field: English as
// Apache and nginx write it, else any name in monthNames, in any case, with
// or without a trailing period ("sept.", "Okt", "déc."). 0 when unknown.
func monthNumber(b []byte) int {
	if m := monthIndex(b); m != 0 {
		return m
	}
	if len(b) > 1 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 || len(b) > 24 {
		return 0
	}
	var buf [24]byte
	ascii := true
	for i, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if ascii {
		return monthByName[string(buf[:len(b)])]
	}
	return monthByName[strings.ToLower(string(b))]
}

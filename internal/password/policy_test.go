package password

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func wantWeak(t *testing.T, pw, code string, related ...string) {
	t.Helper()
	err := Check(pw, related...)
	var w *Weak
	if !errors.As(err, &w) {
		t.Errorf("Check(%q, %q) = %v, want a *Weak with code %s", short(pw), related, err, code)
		return
	}
	if w.Code != code {
		t.Errorf("Check(%q, %q): code %s (%q), want %s", short(pw), related, w.Code, w.Message, code)
	}
	if len(w.Message) < 20 || w.Error() != w.Message {
		t.Errorf("Check(%q): message %q is not advice for a person", short(pw), w.Message)
	}
}

func wantOK(t *testing.T, pw string, related ...string) {
	t.Helper()
	if err := Check(pw, related...); err != nil {
		t.Errorf("Check(%q, %q) refused a good password: %v", short(pw), related, err)
	}
}

func short(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

func TestAcceptsPassphrasesWithoutCompositionRules(t *testing.T) {
	t.Parallel()
	for _, pw := range []string{
		"correct horse battery staple",
		"purple elephants dance quietly",
		"jx9-Wq2k",                        // short but random
		"all lower case no digits at all", // no composition rules
		"ünïcödé wörds are fine tôo",
		"日本語のパスワードです",
		longText(MaxLength),
	} {
		wantOK(t, pw, "alice@example.com", "Acme Portal")
	}
}

func TestCommonPasswordsRefused(t *testing.T) {
	t.Parallel()
	for _, pw := range []string{"password", "qwertyuiop", "12345678", "iloveyou", "baseball", "Football", "PASSWORD"} {
		wantWeak(t, pw, CodeCommon)
	}
	// The same, with digits or symbols at the ends.
	for _, pw := range []string{"password123", "password1!", "!!monkey2024", "Dragon1234", "Summer2024"} {
		wantWeak(t, pw, CodeCommon)
	}
}

func TestGuessablePasswordsRefused(t *testing.T) {
	t.Parallel()
	for _, pw := range []string{
		"P@ssw0rd1",    // l33t spelling of a common password
		"abcdefghij",   // sequence
		"aaaaaaaaaaaa", // repeat
		"zaq12wsxcde",  // keyboard walk
		"ilovemycat",   // common words
		"johnsmith1",   // name
	} {
		wantWeak(t, pw, CodeGuessable)
	}
	// zxcvbn scores a long run of a repeated short unit as strong; it is not.
	wantWeak(t, strings.Repeat("ab", 100), CodeGuessable)
	wantWeak(t, strings.Repeat("xyz!", 20), CodeGuessable)
	// Nor is a common password said over and over with a tail added.
	wantWeak(t, strings.Repeat("qwertyuiop", 25)+"zxcvbn", CodeGuessable)
	wantWeak(t, strings.Repeat("19991231", 32)[:255]+"x", CodeGuessable)
	wantWeak(t, "monkeymonkeymonkey!", CodeGuessable)
}

func TestAdviceNamesThePattern(t *testing.T) {
	t.Parallel()
	for pw, want := range map[string]string{
		"poiuytrewq1": "Keyboard patterns",
		"abcdefghij":  "Sequences",
		"ilovemycat":  "",
	} {
		var w *Weak
		if !errors.As(Check(pw), &w) {
			t.Fatalf("Check(%q) accepted", pw)
		}
		if !strings.Contains(w.Message, want) || !strings.Contains(w.Message, "Add another word or two") {
			t.Errorf("Check(%q): message %q, want it to mention %q and suggest more words", pw, w.Message, want)
		}
	}
}

func TestRelatedStringsRefused(t *testing.T) {
	t.Parallel()
	// Baselines: fine passwords without the related strings.
	wantOK(t, "alice.smith riverbank lantern")
	wantOK(t, "Acme Portal velvet thunder")
	// The email's local part, in any case, anywhere in the password.
	wantWeak(t, "alice.smith riverbank lantern", CodeRelated, "alice.smith@example.com")
	wantWeak(t, "riverbank ALICE.SMITH lantern", CodeRelated, "Alice.Smith@example.com")
	// The project name.
	wantWeak(t, "Acme Portal velvet thunder", CodeRelated, "bob@example.com", "Acme Portal")
	wantWeak(t, "velvetacme portalthunder", CodeRelated, "Acme Portal")
	// Compatibility forms of the name are the name.
	wantWeak(t, "ＡＣＭＥ ＰＯＲＴＡＬ velvet thunder", CodeRelated, "Acme Portal")
	// The domain of an email is not refused: a whole company shares it.
	wantOK(t, "example velvet thunder lantern", "alice.smith@example.com")
	// Very short related strings would forbid too much; zxcvbn still sees them.
	wantOK(t, "jo velvet thunder lantern", "jo@example.com")
}

func TestLength(t *testing.T) {
	t.Parallel()
	wantWeak(t, "", CodeTooShort)
	wantWeak(t, "Xq7#vLp", CodeTooShort) // 7 random characters
	wantOK(t, "Xq7#vLp!")                // 8
	wantOK(t, longText(MaxLength))
	wantWeak(t, longText(MaxLength+1), CodeTooLong)
	// Length is counted in runes, not bytes: 256 three-byte runes is fine.
	cjk := make([]rune, 0, MaxLength+1)
	for i := range MaxLength + 1 {
		cjk = append(cjk, rune(0x4e00+i*37%20000))
	}
	wantOK(t, string(cjk[:MaxLength]))
	wantWeak(t, string(cjk), CodeTooLong)
	// Counted after NFKC: the ligature "ﬃ" is one rune that becomes three.
	if err := Check("ﬃx7#vL"); err != nil {
		var w *Weak
		if errors.As(err, &w) && w.Code == CodeTooShort {
			t.Errorf("6 runes that normalise to 8 were judged too short")
		}
	}
	wantWeak(t, strings.Repeat("ﬃ", 86), CodeTooLong) // 86 runes, 258 after NFKC
	wantWeak(t, strings.Repeat("x", 1<<20), CodeTooLong)
}

func TestInvalidText(t *testing.T) {
	t.Parallel()
	wantWeak(t, "velvet\xffthunder lantern", CodeInvalid)
	wantWeak(t, "velvet\tthunder lantern", CodeInvalid)
	wantWeak(t, "velvet thunder\nlantern", CodeInvalid)
	wantOK(t, "velvet thunder lantern") // spaces are fine
}

func TestCollapseRepeats(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"aaaa": "a", "aaa": "aaa", "xabababy": "xaby", "qwertyqwertyqwerty!": "qwerty!",
		"correct horse battery staple": "correct horse battery staple", "aabb": "aabb",
		"1999123119991231": "19991231", "ééééx": "éx",
	} {
		if got := collapseRepeats(in); got != want {
			t.Errorf("collapseRepeats(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRepetition(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"abababab": true, "abcabcab": true, "aaaa": true, "abcdabcd": true,
		"abcdabce": false, "abcabd": false, "a": false, "ab": false,
	} {
		if got := isRepetition(s); got != want {
			t.Errorf("isRepetition(%q) = %v, want %v", s, got, want)
		}
	}
}

// longText is n runes of distinct words, no unit repeated.
func longText(n int) string {
	words := strings.Fields("lantern velvet quiet harbor marble cinnamon glacier thimble orchard " +
		"saffron meadow copper pelican tundra wicker falcon juniper ember basalt quill " +
		"mosaic tangerine drizzle canyon walrus pepper lagoon fjord nimbus zephyr acorn " +
		"bramble cobalt dune ferret gazebo hollow indigo jasper kettle lichen mango nectar")
	var b strings.Builder
	for i := 0; utf8.RuneCountInString(b.String()) < n; i++ {
		b.WriteString(words[i%len(words)])
		b.WriteString(string(rune('a' + i%26)))
		b.WriteByte(' ')
	}
	return string([]rune(b.String())[:n])
}

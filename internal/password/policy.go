package password

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length limits, in runes of the NFKC form. There are no composition rules
// (no required digits or symbols): length and not being guessable matter.
const (
	MinLength = 8
	MaxLength = 256
)

// Codes of Weak, stable for APIs and tests.
const (
	CodeTooShort  = "too_short"
	CodeTooLong   = "too_long"
	CodeInvalid   = "invalid_text"
	CodeCommon    = "common"
	CodeRelated   = "contains_personal_info"
	CodeGuessable = "guessable"
)

// Weak is why a password was refused. Message is written for the person
// choosing it, to be shown beside the password field.
type Weak struct {
	Code    string
	Message string
}

func (w *Weak) Error() string { return w.Message }

// minRelated is the shortest related string worth refusing: a two-letter
// project name would forbid half of all passphrases.
const minRelated = 3

// Check judges a new password. related are things about the account that
// must not be in the password: typically the email address (its local part
// is what is refused) and the project's name. It returns nil or a *Weak.
func Check(pw string, related ...string) error {
	if len(pw) > maxInputBytes {
		// Far beyond MaxLength in any script; not worth normalising.
		return &Weak{CodeTooLong, "Use at most 256 characters."}
	}
	if !utf8.ValidString(pw) {
		return &Weak{CodeInvalid, "The password contains bytes that are not valid text."}
	}
	n := Normalize(pw)
	for _, r := range n {
		if unicode.IsControl(r) {
			return &Weak{CodeInvalid, "The password contains control characters (such as a tab or line break)."}
		}
	}
	switch count := utf8.RuneCountInString(n); {
	case count < MinLength:
		return &Weak{CodeTooShort, "Use at least 8 characters. A few unrelated words make a good password."}
	case count > MaxLength:
		return &Weak{CodeTooLong, "Use at most 256 characters."}
	}
	folded := fold(n)
	if inputs := relatedStrings(related); len(inputs) > 0 {
		for _, s := range inputs {
			if strings.Contains(folded, s) {
				return &Weak{CodeRelated, "Do not use your email address or the name of this app in your password."}
			}
		}
	}
	if w := commonCheck(folded); w != nil {
		return w
	}
	if isRepetition(folded) {
		return &Weak{CodeGuessable, repeatedAdvice}
	}
	// zxcvbn does not see a word said many times over as one guess; score
	// the password with such runs said once, which is what they are worth.
	if c := collapseRepeats(n); c != n {
		if err := guessCheck(c, related); err != nil {
			return &Weak{CodeGuessable, repeatedAdvice}
		}
	}
	return guessCheck(n, related)
}

const repeatedAdvice = "Repeated characters or words are easy to guess. Add another word or two; uncommon words are better."

// collapseRepeats replaces every run of one unit said two or more times in
// a row, covering at least 4 characters ("aaaa", "abab", "qwertyqwerty"),
// by a single copy of the unit.
func collapseRepeats(s string) string {
	rs := []rune(s)
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); {
		unit, reps := 0, 0
		for l := 1; i+2*l <= len(rs); l++ {
			k := 1
			for i+(k+1)*l <= len(rs) && equalRunes(rs[i:i+l], rs[i+k*l:i+(k+1)*l]) {
				k++
			}
			if k >= 2 && k*l >= 4 {
				unit, reps = l, k
				break
			}
		}
		if unit == 0 {
			out = append(out, rs[i])
			i++
			continue
		}
		out = append(out, rs[i:i+unit]...)
		i += unit * reps
	}
	return string(out)
}

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fold is the form comparisons use: NFKC, then lower case.
func fold(s string) string { return strings.ToLower(Normalize(s)) }

// relatedStrings turns related values into the folded strings a password
// may not contain: an email address contributes its local part (the domain
// is shared by a whole company and says little), anything else itself.
func relatedStrings(related []string) []string {
	var out []string
	for _, r := range related {
		r = strings.TrimSpace(fold(r))
		if at := strings.LastIndexByte(r, '@'); at >= 0 {
			r = r[:at]
		}
		if utf8.RuneCountInString(r) >= minRelated {
			out = append(out, r)
		}
	}
	return out
}

// isRepetition reports a password that is one short unit said over and over
// ("abababab…", "xyzxyzxyz"): its smallest period is at most half its length.
// zxcvbn scores long repetitions of multi-character units as strong.
func isRepetition(s string) bool {
	rs := []rune(s)
	n := len(rs)
	if n < 2 {
		return false
	}
	// Prefix function: fail[i] is the length of the longest proper prefix of
	// rs[:i+1] that is also its suffix; the smallest period is n - fail[n-1].
	fail := make([]int, n)
	for i := 1; i < n; i++ {
		k := fail[i-1]
		for k > 0 && rs[i] != rs[k] {
			k = fail[k-1]
		}
		if rs[i] == rs[k] {
			k++
		}
		fail[i] = k
	}
	return n-fail[n-1] <= n/2
}

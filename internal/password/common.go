package password

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	zxcvbn "github.com/ccojocar/zxcvbn-go"
	"github.com/ccojocar/zxcvbn-go/frequency"
	"github.com/ccojocar/zxcvbn-go/match"
)

// The offline list of common passwords is the one zxcvbn ranks guesses
// with (about 7,000 of the most used passwords from public breach corpora),
// already compiled into the binary by that module. An exact match, or a
// match once digits and symbols at the ends are taken off, is refused
// outright; everything else is scored by zxcvbn.
var commonSet = sync.OnceValue(func() map[string]struct{} {
	list := frequency.Lists["Passwords"].List
	set := make(map[string]struct{}, len(list))
	for _, w := range list {
		set[strings.ToLower(w)] = struct{}{}
	}
	return set
})

// minScore is zxcvbn's score (0-4) a password needs: 3 means its estimated
// guesses are at least about 10^10, out of reach of an online attack and
// costly offline against argon2id.
const minScore = 3

// maxScored bounds the runes given to zxcvbn, whose matching grows faster
// than the length (160 ms for 256 characters); a password longer than this
// that passed the other checks is judged by its first maxScored runes.
const maxScored = 64

const addWords = " Add another word or two; uncommon words are better."

func commonCheck(folded string) *Weak {
	set := commonSet()
	if _, ok := set[folded]; ok {
		return &Weak{CodeCommon, "This is one of the most common passwords." + addWords}
	}
	core := strings.TrimFunc(folded, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
	})
	if core != folded && utf8.RuneCountInString(core) >= 4 {
		if _, ok := set[core]; ok {
			return &Weak{CodeCommon, "This is a common password with digits or symbols added, which attackers try early." + addWords}
		}
	}
	return nil
}

// guessCheck scores pw (NFKC) with zxcvbn, with the related strings and
// their words as extra dictionary entries, and explains a low score.
func guessCheck(pw string, related []string) error {
	if utf8.RuneCountInString(pw) > maxScored {
		pw = string([]rune(pw)[:maxScored])
	}
	r := zxcvbn.PasswordStrength(pw, userInputs(related))
	if r.Score >= minScore {
		return nil
	}
	return &Weak{CodeGuessable, explain(r.MatchSequence)}
}

// userInputs are the related strings and their words of 3+ characters.
func userInputs(related []string) []string {
	var out []string
	for _, r := range related {
		r = fold(r)
		out = append(out, r)
		for _, w := range strings.FieldsFunc(r, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) }) {
			if utf8.RuneCountInString(w) >= minRelated {
				out = append(out, w)
			}
		}
	}
	return out
}

// explain turns the pattern zxcvbn found weakest into advice, most telling
// pattern first.
func explain(ms []match.Match) string {
	has := func(pattern, dict string) bool {
		for _, m := range ms {
			if m.Pattern == pattern && (dict == "" || m.DictionaryName == dict) {
				return true
			}
		}
		return false
	}
	var why string
	switch {
	case has("dictionary", "user_inputs"):
		why = "It is built on your email address or the name of this app."
	case has("repeat", ""):
		why = "Repeated characters like \"aaa\" are easy to guess."
	case has("sequence", ""):
		why = "Sequences like \"abc\" or \"6543\" are easy to guess."
	case has("spatial", ""):
		why = "Keyboard patterns like \"qwerty\" are easy to guess."
	case has("date", ""):
		why = "Dates and years are easy to guess."
	case has("dictionary", "Passwords"):
		why = "It is similar to a commonly used password."
	case has("dictionary", ""):
		why = "Single words and names are easy to guess."
	default:
		why = "It is too easy to guess."
	}
	return why + addWords
}

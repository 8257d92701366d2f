package web

import "strings"

// inboxMail is one email as the development inbox shows it.
type inboxMail struct {
	ID, To, Subject, Status string
	Time, ISOTime           string
	// Text is the text body cut into plain and link pieces, so links to this
	// server become clickable while everything else stays escaped text.
	Text []textPiece
	// Links are the sign-in links found in the body.
	Links []string
}

type textPiece struct {
	Text string
	Link bool
}

// linkify splits text into pieces, marking URLs under prefix (this project's
// pages on this server) as links. Only our own URLs become links: the inbox
// never turns arbitrary text into something to click.
func linkify(text, prefix string) []textPiece {
	var out []textPiece
	for text != "" {
		i := strings.Index(text, prefix)
		if i < 0 || prefix == "" {
			out = append(out, textPiece{Text: text})
			break
		}
		if i > 0 {
			out = append(out, textPiece{Text: text[:i]})
		}
		end := i + strings.IndexAny(text[i:]+" ", " \t\r\n<>\"")
		if end > len(text) {
			end = len(text)
		}
		out = append(out, textPiece{Text: text[i:end], Link: true})
		text = text[end:]
	}
	return out
}

package web

import (
	"net/http"
	"strings"
	"time"
)

// inboxLimit is how many of the newest emails the development inbox lists.
const inboxLimit = 50

// inbox lists the project's latest emails. It is registered only when no
// SMTP server is configured: without it a developer could not read the
// codes the flow sends.
func (h *Handler) inbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	projectID, ok := projectFrom(r)
	if !ok {
		h.notFound(w)
		return
	}
	b := h.projectBrand(ctx, projectID)
	if b.Name == "" {
		h.notFound(w)
		return
	}
	msgs, err := h.o.Outbox.Inbox(ctx, projectID, inboxLimit)
	if err != nil {
		h.internalError(w, r, b, "list development inbox", err)
		return
	}
	p := b.apply(&page{Page: "inbox", Title: "Development inbox", MainClass: "wide"})
	own := strings.TrimRight(h.o.PublicURL, "/") + "/p/" + string(projectID) + "/"
	for _, m := range msgs {
		im := inboxMail{
			ID: string(m.ID), To: m.To, Subject: m.Subject, Status: string(m.Status),
			Time:    m.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC"),
			ISOTime: m.CreatedAt.UTC().Format(time.RFC3339),
			Text:    linkify(m.Text, own),
		}
		for _, piece := range im.Text {
			if piece.Link && strings.Contains(piece.Text, "/login/link") {
				im.Links = append(im.Links, piece.Text)
			}
		}
		p.Inbox = append(p.Inbox, im)
	}
	h.pages.render(w, http.StatusOK, p)
}

package store

// MailReader reads the email outbox (delivery queue and development inbox).
type MailReader interface{}

// MailWriter changes the email outbox (delivery queue and development inbox).
type MailWriter interface{}

package store

// The console: which project is the console and its one-time setup links.

// ConsoleReader reads them.
type ConsoleReader interface{}

// ConsoleWriter changes them.
type ConsoleWriter interface{}

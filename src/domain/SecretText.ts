/**
 * Removes every secret from a text, in each form it can take there: raw, JSON-escaped (a log
 * line, an error's JSON details) and URL-encoded (a query string, a form body an SDK echoes).
 * Secrets shorter than 4 characters are left alone: blanking them would garble ordinary text.
 */
export const secretScrubber = (secrets: ReadonlyArray<string>): ((text: string) => string) => {
  const forms = [
    ...new Set(
      secrets
        .filter((s) => s.length >= 4)
        .flatMap((s) => [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)])
        .filter((s) => s.length > 0),
    ),
  ].sort((a, b) => b.length - a.length)
  return (text) => forms.reduce((out, form) => out.split(form).join("***"), text)
}

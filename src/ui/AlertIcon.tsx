/** The warning triangle every alert of the page starts with. */
export function AlertIcon() {
  return (
    <svg viewBox="0 0 16 16" aria-hidden="true" className="alert-icon">
      <path d="M8 1.5 15 14H1z" />
      <path d="M8 6v4M8 11.5v1" className="stroke" />
    </svg>
  );
}

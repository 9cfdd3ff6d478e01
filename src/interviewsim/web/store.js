// The interview on screen, the one piece of state several views read. Changed only through these operations.

let current = null; // {id, voice, deadline (ms), ended, label, timeUpSent}

export const currentSession = () => current;

// True while an interview is running (started and not ended).
export const isLive = () => Boolean(current && !current.ended);

export function beginSession({ id, voice, minutes, label }) {
  current = { id, voice, deadline: Date.now() + minutes * 60_000, ended: false, label, timeUpSent: false };
  return current;
}

export function endSession(session = current) {
  if (session) session.ended = true;
}

// The server measures time from the start; following it means a reload or a slow turn cannot drift.
export function followDeadline(session, minutesLeft) {
  session.deadline = Date.now() + minutesLeft * 60_000;
}

// The countdown reached zero: true the first time only, so time-up is sent once.
export function claimTimeUp(session) {
  if (session.timeUpSent) return false;
  session.timeUpSent = true;
  return true;
}

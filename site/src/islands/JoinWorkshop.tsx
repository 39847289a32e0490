import { type FormEvent, useEffect, useState } from 'react';
import { ApiFailure } from '../lib/api.ts';
import { learnerApi } from '../lib/workshops.ts';

/** The join flow: the code (from the join URL or typed), a display name, then the workshop's scenarios. */
export default function JoinWorkshop() {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setCode(new URLSearchParams(window.location.search).get('code') ?? '');
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { workshop } = await learnerApi.join(code, name);
      window.location.assign(`/workshop/?id=${encodeURIComponent(workshop.id)}`);
    } catch (e) {
      setError(e instanceof ApiFailure ? e.message : String(e));
      setBusy(false);
    }
  };

  return (
    <form className="join-form" onSubmit={submit} aria-describedby="join-help">
      <p id="join-help">
        Your instructor gave you a code. Choose the name the instructor will see: nothing else about you is shared.
      </p>
      <label>
        Workshop code
        <input
          name="code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          required
          autoComplete="off"
          spellCheck={false}
          placeholder="XXXXX-XXXXX"
          maxLength={20}
        />
      </label>
      <label>
        Your display name in this workshop
        <input
          name="displayName"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={40}
          autoComplete="nickname"
        />
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? 'Joining…' : 'Join the workshop'}
      </button>
    </form>
  );
}

import { useCallback, useState, type FormEvent } from 'react';
import type { StatusCause } from '../../orchestrator/api/types.js';
import { ApiRequestError, messageOf } from '../api/errors.js';
import { fetchHostKey, type HostKey } from '../api/hostKey.js';
import { addHost, duplicateOf, FIELD_LABELS, hostNameFromAddress, validateAddHost, type AddHostInput, type Host } from '../api/hosts.js';
import { Dialog } from '../components/Dialog.js';
import { useApp, useServices } from '../store/context.js';
import { HostProgress } from './HostProgress.js';

interface Submitted {
  name: string;
  warning?: string;
}

type Stage = { at: 'form' } | { at: 'duplicate'; host: Host; by: 'name' | 'address' } | { at: 'confirm'; key: HostKey };

/** Errors in the words of the form's labels: `Private key: paste a private key…`. */
function FieldErrors({ causes }: { causes: readonly StatusCause[] }) {
  if (causes.length === 0) return null;
  return (
    <ul className="causes">
      {causes.map((c, i) => (
        <li key={i}>{c.field ? `${FIELD_LABELS[c.field] ?? c.field}: ${c.message ?? c.reason ?? ''}` : (c.message ?? c.reason)}</li>
      ))}
    </ul>
  );
}

/**
 * Add (or edit and retry) a worker over SSH: the form; then, if a host with that name or address
 * exists, a question rather than an overwrite; then the host key the machine presents, which the
 * user confirms before it is pinned; then the provisioning steps as they stream.
 */
export function AddHostDialog({ edit }: { edit?: string }) {
  const { api, store } = useServices();
  const hosts = useApp((s) => s.cluster.hosts);
  const editing = edit ? hosts[edit] : undefined;
  const [form, setForm] = useState(() => ({
    name: editing?.metadata.name ?? '',
    address: editing?.spec.address ?? '',
    port: String(editing?.spec.port ?? 22),
    user: editing?.spec.user ?? 'root',
    privateKey: '',
    passphrase: '',
    useAgent: editing?.spec.useAgent ?? false,
  }));
  const [nameTouched, setNameTouched] = useState(editing !== undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; causes: StatusCause[] } | null>(null);
  const [stage, setStage] = useState<Stage>({ at: 'form' });
  const [submitted, setSubmitted] = useState<Submitted | null>(null);
  const host = useApp((s) => (submitted ? s.cluster.hosts[submitted.name] : undefined));
  const close = useCallback(() => store.getState().openDialog(null), [store]);

  const name = nameTouched ? form.name : hostNameFromAddress(form.address);
  const keepExistingKey = editing !== undefined && !form.useAgent && editing.spec.privateKeySecretRef !== undefined;
  const input: AddHostInput = { name, address: form.address, port: Number(form.port), user: form.user, privateKey: form.privateKey, ...(form.passphrase ? { passphrase: form.passphrase } : {}), useAgent: form.useAgent, keepExistingKey };

  const fail = (err: unknown) => setError({ message: messageOf(err), causes: err instanceof ApiRequestError ? err.causes : [] });

  /** Reads the host's key; on success the user is shown its fingerprint. */
  const probe = async () => {
    setBusy(true);
    setError(null);
    try {
      setStage({ at: 'confirm', key: await fetchHostKey(input.address, input.port) });
    } catch (err) {
      setStage({ at: 'form' });
      setError({ message: `Address: cannot read the host key of ${input.address.trim()}:${input.port}: ${messageOf(err)}`, causes: [] });
    } finally {
      setBusy(false);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const causes = validateAddHost(input);
    if (causes.length > 0) return setError({ message: 'Please fix these fields:', causes });
    const dup = duplicateOf(Object.values(hosts).filter((h) => h.metadata.name !== edit), input);
    if (dup) return setStage({ at: 'duplicate', ...dup });
    await probe();
  };

  const add = async (key: HostKey) => {
    setBusy(true);
    setError(null);
    try {
      const r = await addHost(api, { ...input, hostKeyFingerprint: key.fingerprint });
      setSubmitted({ name, ...(r.warning ? { warning: r.warning } : {}) });
    } catch (err) {
      setStage({ at: 'form' });
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const bad = new Set(error?.causes.map((c) => c.field));
  const field = (f: string) => (bad.has(f) ? 'field invalid' : 'field');

  if (submitted) {
    return (
      <Dialog title={`${editing ? 'Retrying' : 'Adding'} host ${submitted.name}`} onClose={close} testId="add-host-dialog">
        <HostProgress host={host} name={submitted.name} />
        {submitted.warning && <div className="muted small">{submitted.warning}</div>}
        <div className="dialog-foot">
          <button className="btn btn-primary" onClick={close} data-testid="add-host-done">
            {host?.status?.phase === 'Ready' || host?.status?.phase === 'Failed' ? 'Close' : 'Continue in background'}
          </button>
        </div>
      </Dialog>
    );
  }

  if (stage.at === 'duplicate') {
    const other = stage.host;
    return (
      <Dialog title="This host is already added" onClose={close} testId="add-host-dialog">
        <div className="form" data-testid="add-host-duplicate" data-by={stage.by}>
          <p>
            {stage.by === 'name' ? `A host named ${other.metadata.name} already exists` : `Host ${other.metadata.name} already uses ${other.spec.address}:${other.spec.port ?? 22}`} ({other.spec.user}@{other.spec.address}:{other.spec.port ?? 22}, {other.status?.phase ?? 'Pending'}).
          </p>
          <p className="muted">Adding it again would replace its settings. Edit that host instead, or go back and choose another {stage.by === 'name' ? 'name' : 'address'}.</p>
          <div className="dialog-foot">
            <button type="button" className="btn btn-ghost" onClick={() => setStage({ at: 'form' })} data-testid="add-host-back">
              Back
            </button>
            <button type="button" className="btn btn-primary" onClick={() => store.getState().openDialog({ type: 'addHost', edit: other.metadata.name ?? '' })} data-testid="add-host-edit-existing">
              Edit {other.metadata.name}
            </button>
          </div>
        </div>
      </Dialog>
    );
  }

  if (stage.at === 'confirm') {
    return (
      <Dialog title={`Is this ${input.address.trim()}?`} onClose={close} testId="add-host-dialog">
        <div className="form" data-testid="add-host-confirm-key">
          <p>
            {input.address.trim()}:{input.port} presented this <b>{stage.key.algorithm}</b> host key:
          </p>
          <div className="fingerprint">
            <code data-testid="add-host-fingerprint">{stage.key.fingerprint}</code>
          </div>
          <p className="muted small">
            Compare it with what the host itself says (on the host: <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>). Once you trust it, Skiff pins it: a host presenting another key is refused.
          </p>
          {error && (
            <div className="error-box" data-testid="add-host-error">
              {error.message}
              <FieldErrors causes={error.causes} />
            </div>
          )}
          <div className="dialog-foot">
            <button type="button" className="btn btn-ghost" onClick={() => setStage({ at: 'form' })} data-testid="add-host-reject-key">
              No, go back
            </button>
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void add(stage.key)} data-testid="add-host-trust">
              {busy ? 'Adding…' : `Trust it and ${editing ? 'retry' : 'add'} ${name}`}
            </button>
          </div>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title={editing ? `Edit host ${editing.metadata.name}` : 'Add host'} onClose={close} testId="add-host-dialog">
      <form onSubmit={submit} className="form" noValidate>
        <p className="muted small">
          {editing ? 'Change what is wrong, then Skiff tries again at once.' : 'Skiff connects over SSH, checks Docker and Node.js, installs its agent and joins the host as a node.'}
        </p>
        <div className="form-row">
          <label className={field('address')}>
            Address
            <input autoFocus value={form.address} onChange={(e) => setForm({ ...form, address: e.target.value })} placeholder="192.168.1.20 or host.local" data-testid="add-host-address" />
          </label>
          <label className={`${field('port')} narrow`}>
            Port
            <input value={form.port} inputMode="numeric" onChange={(e) => setForm({ ...form, port: e.target.value })} data-testid="add-host-port" />
          </label>
        </div>
        <div className="form-row">
          <label className={field('user')}>
            User
            <input value={form.user} onChange={(e) => setForm({ ...form, user: e.target.value })} data-testid="add-host-user" />
          </label>
          <label className={field('name')}>
            Name
            <input
              value={name}
              readOnly={editing !== undefined}
              onChange={(e) => {
                setNameTouched(true);
                setForm({ ...form, name: e.target.value });
              }}
              placeholder="from the address"
              data-testid="add-host-name"
            />
          </label>
        </div>
        <label className="check">
          <input type="checkbox" checked={form.useAgent} onChange={(e) => setForm({ ...form, useAgent: e.target.checked })} data-testid="add-host-use-agent" /> Use my ssh-agent
        </label>
        {!form.useAgent && (
          <label className={field('privateKey')}>
            Private key
            <textarea
              rows={6}
              spellCheck={false}
              value={form.privateKey}
              onChange={(e) => setForm({ ...form, privateKey: e.target.value })}
              placeholder={keepExistingKey ? 'leave empty to keep the key Skiff has' : '-----BEGIN OPENSSH PRIVATE KEY-----\n…'}
              data-testid="add-host-key"
            />
            <span className="muted small">Stored as Secret kube-system/skiff-host-{name || '…'}.</span>
          </label>
        )}
        {!form.useAgent && (
          <label className="field">
            Key passphrase
            <input type="password" autoComplete="off" value={form.passphrase} onChange={(e) => setForm({ ...form, passphrase: e.target.value })} placeholder="only if the key is encrypted" data-testid="add-host-passphrase" />
          </label>
        )}
        {error && (
          <div className="error-box" data-testid="add-host-error">
            {error.message}
            <FieldErrors causes={error.causes} />
          </div>
        )}
        <div className="dialog-foot">
          <button type="button" className="btn btn-ghost" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="add-host-submit">
            {busy ? 'Reading the host key…' : 'Continue'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

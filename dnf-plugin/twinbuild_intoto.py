# twinbuild_intoto: a dnf 4 plugin that asks rebuilders for in-toto links before
# dnf downloads anything, and stops the transaction unless enough independent
# rebuilders rebuilt each package to the very bytes the repository serves.
#
# For every package dnf is about to install (install, upgrade, reinstall,
# downgrade), once the transaction is resolved:
#   1. the signed layout is checked (its owner's keys, its expiry);
#   2. each rebuilder's link for the package's source RPM is fetched from
#      <rebuilder>/sources/<source name>/<[E:]V-R>/metadata (what `twinbuild
#      rebuilder` publishes);
#   3. in-toto checks the links' signatures against the layout's rebuilder keys,
#      its threshold, and that the links agree on what was built;
#   4. the .rpm's sha256 from the repository metadata must be the product the
#      links name, so a package swapped in the repository is refused before it is
#      downloaded.
# Any failure stops the transaction with one line per package (and rebuilder).
# Per run: dnf --disableplugin=twinbuild_intoto, or --setopt=twinbuild_intoto.enabled=0.
# Set-up: docs/dnf.md in twinbuild's repository.

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import dnf
import dnf.exceptions

NAME = 'twinbuild_intoto'
STEP = 'rebuild'


def _words(value):
    return [w for w in value.replace(',', ' ').split() if w]


class _Settings(object):
    """The plugin's config file, read once: what to trust and where to ask."""

    def __init__(self, parser, where):
        def get(option, default=''):
            if parser.has_section('main') and parser.has_option('main', option):
                return parser.getValue('main', option).strip()
            return default

        self.where = where
        self.rebuilders = _words(get('rebuilders'))
        self.layout = get('layout')
        self.layout_keys = _words(get('layout_keys'))
        self.gpg_keyids = _words(get('gpg_keyids'))
        self.gpg_home = get('gpg_home') or None
        self.threshold = get('threshold')
        self.unreachable = get('unreachable', 'refuse')
        self.timeout = float(get('timeout', '30') or '30')

    def problem(self):
        """Why this config cannot be used, or None."""
        missing = [name for name, value in (
            ('rebuilders', self.rebuilders),
            ('layout', self.layout),
            ('layout_keys or gpg_keyids', self.layout_keys or self.gpg_keyids),
        ) if not value]
        if missing:
            return ('%s is installed but not configured: set %s in %s (or disable it: '
                    'dnf --disableplugin=%s)' % (NAME, ', '.join(missing), self.where, NAME))
        if self.unreachable not in ('refuse', 'allow'):
            return '%s: unreachable must be refuse or allow, not %r (%s)' % (NAME, self.unreachable, self.where)
        if self.threshold and not self.threshold.isdigit():
            return '%s: threshold must be a whole number, not %r (%s)' % (NAME, self.threshold, self.where)
        return None


def _source_name_and_version(pkg):
    """The source RPM's name and [E:]V-R: where the rebuilders publish its link."""
    source = pkg.sourcerpm or ''
    stem = source[:-len('.src.rpm')] if source.endswith('.src.rpm') else ''
    parts = stem.rsplit('-', 2)
    name = parts[0] if len(parts) == 3 else pkg.name
    version = '%s-%s' % (pkg.version, pkg.release)
    if pkg.epoch:
        version = '%s:%s' % (pkg.epoch, version)
    return name, version


class TwinbuildIntoto(dnf.Plugin):
    name = NAME

    def __init__(self, base, cli):
        super(TwinbuildIntoto, self).__init__(base, cli)
        self.base = base
        self.cli = cli

    def _switched_off(self):
        # --setopt=twinbuild_intoto.enabled=0: dnf files a dotted setopt under repo_setopts.
        opts = getattr(getattr(self.cli, 'command', None), 'opts', None)
        values = (getattr(opts, 'repo_setopts', None) or {}).get(NAME, {}).get('enabled', [])
        return bool(values) and values[-1].strip().lower() in ('0', 'false', 'no', 'off')

    def _say(self, text):
        print('%s: %s' % (NAME, text))

    def resolved(self):
        if self._switched_off():
            self._say('switched off for this run (--setopt=%s.enabled=0): nothing is checked' % NAME)
            return
        packages = [p for p in self.base.transaction.install_set if p.arch != 'src']
        if not packages:
            return
        where = ', '.join('%s/%s.conf' % (d, NAME) for d in self.base.conf.pluginconfpath)
        settings = _Settings(self.read_config(self.base.conf), where)
        problem = settings.problem()
        if problem:
            raise dnf.exceptions.Error(problem)
        try:
            import in_toto.exceptions  # noqa: F401  (imported here: a missing in-toto must stop, not skip)
            import in_toto.models.link
            import in_toto.models.metadata
            import in_toto.verifylib
            import securesystemslib.gpg.functions
            import securesystemslib.interface
        except ImportError as error:
            raise dnf.exceptions.Error(
                '%s: the in-toto Python library is missing (%s): apt-get install in-toto' % (NAME, error))
        failures = []
        layout, layout_keys = self._trusted_layout(settings, failures)
        if layout is not None:
            for pkg in sorted(packages, key=str):
                failures.extend(self._check(pkg, settings, layout, layout_keys))
        if failures:
            raise dnf.exceptions.Error('\n'.join(failures))

    def _trusted_layout(self, settings, failures):
        import in_toto.models.metadata
        import in_toto.verifylib
        import securesystemslib.gpg.functions
        import securesystemslib.interface
        try:
            self._say("Load in-toto layout '%s'" % settings.layout)
            layout = in_toto.models.metadata.Metablock.load(settings.layout)
            keys = {}
            for path in settings.layout_keys:
                key = securesystemslib.interface.import_ed25519_publickey_from_file(path)
                keys[key['keyid']] = key
            if settings.gpg_keyids:
                keys.update(securesystemslib.gpg.functions.export_pubkeys(settings.gpg_keyids, homedir=settings.gpg_home))
            in_toto.verifylib.verify_layout_signatures(layout, keys)
            # From here on, the signed payload is what counts (as in in_toto_verify).
            in_toto.verifylib.verify_layout_expiration(layout.signed)
            return layout.signed, keys
        except Exception as error:  # the layout is what everything else is checked against
            failures.append("%s: the layout '%s' cannot be trusted: %s" % (NAME, settings.layout, error))
            return None, None

    def _fetch(self, rebuilder, name, version, settings):
        url = '%s/sources/%s/%s/metadata' % (
            rebuilder.rstrip('/'), urllib.parse.quote(name, safe=''), urllib.parse.quote(version, safe=''))
        with urllib.request.urlopen(url, timeout=settings.timeout) as response:
            return json.loads(response.read(4 * 1024 * 1024).decode('utf-8'))

    def _check(self, pkg, settings, layout, layout_keys):
        import in_toto.models.link
        import in_toto.models.metadata
        import in_toto.verifylib
        label = '%s-%s-%s.%s' % (pkg.name, pkg.version, pkg.release, pkg.arch)
        rpm = os.path.basename(pkg.location)
        kind, digest = pkg.returnIdSum() or (None, None)
        if kind != 'sha256':
            return ["%s: in-toto verification for '%s' failed: the repository gives no sha256 for it (%s)"
                    % (NAME, label, kind)]
        name, version = _source_name_and_version(pkg)
        self._say('Request in-toto metadata from %d rebuilder(s) for %s (source %s %s)'
                  % (len(settings.rebuilders), label, name, version))
        links_dir = tempfile.mkdtemp(prefix='twinbuild-intoto-')
        unreachable, notes = [], []
        try:
            for rebuilder in settings.rebuilders:
                try:
                    data = self._fetch(rebuilder, name, version, settings)
                    link = in_toto.models.metadata.Metablock(
                        signatures=data['signatures'], signed=in_toto.models.link.Link.read(data['signed']))
                    file_name = in_toto.models.link.FILENAME_FORMAT.format(
                        step_name=link.signed.name, keyid=link.signatures[0]['keyid'])
                    link.dump(os.path.join(links_dir, file_name))
                    self._say("Successfully downloaded in-toto metadata '%s' from rebuilder '%s'"
                              % (file_name, rebuilder))
                except urllib.error.HTTPError as error:
                    notes.append("rebuilder '%s' has no link for %s %s (HTTP %d)" % (rebuilder, name, version, error.code))
                    if error.code >= 500:
                        unreachable.append(rebuilder)
                except (urllib.error.URLError, OSError) as error:
                    reason = getattr(error, 'reason', error)
                    notes.append("rebuilder '%s' is unreachable (%s)" % (rebuilder, reason))
                    unreachable.append(rebuilder)
                except Exception as error:  # a malformed answer counts as no link
                    notes.append("rebuilder '%s' sent no usable link (%s)" % (rebuilder, error))
            for note in notes:
                self._say(note)
            self._say('Run in-toto verification')
            try:
                agreeing = self._verify(layout, links_dir, rpm, digest, settings)
            except Exception as error:
                if (unreachable and settings.unreachable == 'allow' and _only_missing(error)
                        and _arrived_links_sound(layout, links_dir, rpm, digest)):
                    self._say("In-toto verification for '%s' skipped: rebuilder(s) %s unreachable, and the config "
                              "says unreachable = allow" % (label, ', '.join(unreachable)))
                    return []
                lines = ["%s: in-toto verification for '%s' failed: %s" % (NAME, label, error)]
                lines.extend('%s:   %s' % (NAME, note) for note in notes)
                return lines
            self._say("In-toto verification for '%s' passed! :) (%d rebuilder(s) agree on sha256 %s)"
                      % (label, agreeing, digest))
            return []
        finally:
            shutil.rmtree(links_dir, ignore_errors=True)

    def _verify(self, layout, links_dir, rpm, digest, settings):
        """in-toto's own checks of the links, then the product against the repository's hash."""
        import in_toto.verifylib
        chain = in_toto.verifylib.load_links_for_layout(layout, links_dir)
        verified = in_toto.verifylib.verify_link_signature_thresholds(layout, chain)
        in_toto.verifylib.verify_threshold_constraints(layout, verified)
        # The step's own artifact rules (CREATE *.rpm, DISALLOW *): what the layout says a rebuild makes.
        in_toto.verifylib.verify_all_item_rules(layout.steps, in_toto.verifylib.reduce_chain_links(verified))
        links = verified.get(STEP, {})
        named = [link for link in links.values() if rpm in link.signed.products]
        if not named:
            raise ValueError("no link names '%s' among its products" % rpm)
        wrong = [link for link in named if link.signed.products[rpm].get('sha256') != digest]
        if wrong:
            raise ValueError("the repository's '%s' (sha256 %s) is not what the rebuilders built (sha256 %s)"
                             % (rpm, digest, wrong[0].signed.products[rpm].get('sha256')))
        needed = int(settings.threshold) if settings.threshold else 1
        if len(named) < needed:
            raise ValueError('%d rebuilder(s) agree, the config wants %d' % (len(named), needed))
        return len(named)


def _only_missing(error):
    """True when the links were too few (what a rebuilder that is down causes), not wrong."""
    import in_toto.exceptions
    return isinstance(error, (in_toto.exceptions.LinkNotFoundError, in_toto.exceptions.ThresholdVerificationError))


def _arrived_links_sound(layout, links_dir, rpm, digest):
    """Every link that did arrive is signed by a key of the layout and names this very .rpm."""
    import in_toto.models.metadata
    keys = layout.keys
    for file_name in os.listdir(links_dir):
        link = in_toto.models.metadata.Metablock.load(os.path.join(links_dir, file_name))
        keyid = link.signatures[0]['keyid']
        if keyid not in keys:
            return False
        try:
            link.verify_signature(keys[keyid])
        except Exception:
            return False
        if link.signed.products.get(rpm, {}).get('sha256') != digest:
            return False
    return True

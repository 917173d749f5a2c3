// The "This wasn't me" page. Loading it changes nothing: it previews the event (read-only) and
// only the button posts the report. The token comes from the fragment, which the browser never
// sends to a server, and leaves the address bar once the preview succeeded.
// It speaks the language of the mail the link came in (`locale` of the preview); before the
// preview answers, or when it cannot, the browser's language.
(() => {
  'use strict';

  // {app} is the application's name, {when} the event's date; both are inserted as text.
  const TEXT = {
    en: {
      title: 'Was this you?',
      loading: 'Checking the link…',
      when: 'on {when}',
      intro: 'If you did not do this and did not ask anyone to, report it. Reporting:',
      signOut: 'signs everyone out of your {app} account, on every device;',
      lock: 'locks account recovery by email until {app} support unlocks it.',
      keep: 'Passkeys you still have keep working. If this was you, just close this page: nothing has changed.',
      button: "This wasn't me — secure my account",
      retry: 'The service could not be reached. Try again',
      reported: 'Reported',
      secured: 'Thank you. Your account is secured.',
      next: 'Everyone was signed out and account recovery is locked. Contact {app} support to regain access; they can unlock your account once they have checked it is you.',
      mailbox: 'Your email account may have been accessed by someone else: change its password and sign out its other sessions.',
      unusable: 'This link cannot be used',
      incomplete: 'This link is incomplete. Open it again from the email, copying the whole address.',
      invalid: 'This link is not valid. Open it again from the email, copying the whole address.',
      used: 'This event was already reported. Your account is locked; contact support to regain access.',
      expired: 'This link has expired (links work for 7 days). If something still looks wrong, contact support.',
      tooMany: 'Too many attempts. Wait a minute and reload the page.',
      failed: 'Something went wrong. Reload the page to try again.',
      unreachable: 'The service could not be reached. Check your connection and reload the page.',
      events: {
        'passkey.registered': ['A new passkey was added to your account', 'removes the passkey that was added;'],
        'passkeys.revoked': ['Passkeys were removed from your account', null],
        'support_reset.created': ['A support reset of your passkeys was started', 'cancels the support reset;'],
        'second_factor.added/totp': ['An authenticator app was added to your account', 'removes that authenticator app;'],
        'second_factor.added/recovery_codes': ['Recovery codes were created for your account', 'removes those recovery codes;'],
        'second_factor.regenerated': ['New recovery codes were created for your account', 'removes those recovery codes;'],
        'second_factor.removed': ['A second factor was removed from your account', null],
        'second_factor.used': ['A second factor was used to recover your account', null],
        other: ['A security change was made to your account', null],
      },
    },
    de: {
      title: 'Waren Sie das?',
      loading: 'Der Link wird geprüft …',
      when: 'am {when}',
      intro: 'Wenn Sie das nicht waren und niemanden darum gebeten haben, melden Sie es. Eine Meldung:',
      signOut: 'meldet alle auf allen Geräten von Ihrem {app}-Konto ab;',
      lock: 'sperrt die Kontowiederherstellung per E-Mail, bis der {app}-Support sie wieder freigibt.',
      keep: 'Passkeys, die Sie noch haben, funktionieren weiter. Wenn Sie das waren, schließen Sie einfach diese Seite: Es hat sich nichts geändert.',
      button: 'Das war ich nicht – Konto schützen',
      retry: 'Der Dienst war nicht erreichbar. Erneut versuchen',
      reported: 'Gemeldet',
      secured: 'Danke. Ihr Konto ist geschützt.',
      next: 'Alle wurden abgemeldet und die Kontowiederherstellung ist gesperrt. Wenden Sie sich an den {app}-Support, um wieder Zugang zu erhalten; er kann Ihr Konto freigeben, sobald er geprüft hat, dass Sie es sind.',
      mailbox: 'Möglicherweise hatte jemand anderes Zugriff auf Ihr E-Mail-Konto: Ändern Sie dessen Passwort und melden Sie dort alle anderen Sitzungen ab.',
      unusable: 'Dieser Link kann nicht verwendet werden',
      incomplete: 'Dieser Link ist unvollständig. Öffnen Sie ihn erneut aus der E-Mail und kopieren Sie die ganze Adresse.',
      invalid: 'Dieser Link ist ungültig. Öffnen Sie ihn erneut aus der E-Mail und kopieren Sie die ganze Adresse.',
      used: 'Dieses Ereignis wurde bereits gemeldet. Ihr Konto ist gesperrt; wenden Sie sich an den Support, um wieder Zugang zu erhalten.',
      expired: 'Dieser Link ist abgelaufen (Links gelten 7 Tage). Wenn Ihnen weiterhin etwas verdächtig vorkommt, wenden Sie sich an den Support.',
      tooMany: 'Zu viele Versuche. Warten Sie eine Minute und laden Sie die Seite neu.',
      failed: 'Etwas ist schiefgegangen. Laden Sie die Seite neu, um es erneut zu versuchen.',
      unreachable: 'Der Dienst war nicht erreichbar. Prüfen Sie Ihre Verbindung und laden Sie die Seite neu.',
      events: {
        'passkey.registered': ['Ein neuer Passkey wurde zu Ihrem Konto hinzugefügt', 'entfernt den hinzugefügten Passkey;'],
        'passkeys.revoked': ['Passkeys wurden aus Ihrem Konto entfernt', null],
        'support_reset.created': ['Eine Support-Zurücksetzung Ihrer Passkeys wurde gestartet', 'bricht die Support-Zurücksetzung ab;'],
        'second_factor.added/totp': ['Eine Authenticator-App wurde Ihrem Konto hinzugefügt', 'entfernt diese Authenticator-App;'],
        'second_factor.added/recovery_codes': ['Für Ihr Konto wurden Wiederherstellungscodes erstellt', 'entfernt diese Wiederherstellungscodes;'],
        'second_factor.regenerated': ['Für Ihr Konto wurden neue Wiederherstellungscodes erstellt', 'entfernt diese Wiederherstellungscodes;'],
        'second_factor.removed': ['Ein zweiter Faktor wurde aus Ihrem Konto entfernt', null],
        'second_factor.used': ['Ein zweiter Faktor wurde zur Wiederherstellung Ihres Kontos verwendet', null],
        other: ['An Ihrem Konto wurde eine sicherheitsrelevante Änderung vorgenommen', null],
      },
    },
    fr: {
      title: 'Était-ce vous ?',
      loading: 'Vérification du lien…',
      when: 'le {when}',
      intro: "Si vous n'êtes pas à l'origine de cette action et ne l'avez demandée à personne, signalez-la. Le signalement :",
      signOut: 'déconnecte tout le monde de votre compte {app}, sur tous les appareils ;',
      lock: "bloque la récupération du compte par e-mail jusqu'à ce que le support de {app} la débloque.",
      keep: "Les clés d'accès qui vous restent continuent de fonctionner. Si c'était vous, fermez simplement cette page : rien n'a changé.",
      button: "Ce n'était pas moi — sécuriser mon compte",
      retry: "Le service n'a pas pu être joint. Réessayer",
      reported: 'Signalé',
      secured: 'Merci. Votre compte est sécurisé.',
      next: "Tout le monde a été déconnecté et la récupération du compte est bloquée. Contactez le support de {app} pour retrouver l'accès ; il pourra débloquer votre compte après avoir vérifié que c'est bien vous.",
      mailbox: "Quelqu'un d'autre a peut-être eu accès à votre messagerie : changez son mot de passe et déconnectez ses autres sessions.",
      unusable: 'Ce lien ne peut pas être utilisé',
      incomplete: "Ce lien est incomplet. Ouvrez-le à nouveau depuis l'e-mail, en copiant l'adresse complète.",
      invalid: "Ce lien n'est pas valide. Ouvrez-le à nouveau depuis l'e-mail, en copiant l'adresse complète.",
      used: "Cet événement a déjà été signalé. Votre compte est bloqué ; contactez le support pour retrouver l'accès.",
      expired: 'Ce lien a expiré (les liens sont valables 7 jours). Si quelque chose vous semble toujours anormal, contactez le support.',
      tooMany: 'Trop de tentatives. Attendez une minute et rechargez la page.',
      failed: "Une erreur s'est produite. Rechargez la page pour réessayer.",
      unreachable: "Le service n'a pas pu être joint. Vérifiez votre connexion et rechargez la page.",
      events: {
        'passkey.registered': ["Une nouvelle clé d'accès a été ajoutée à votre compte", "supprime la clé d'accès ajoutée ;"],
        'passkeys.revoked': ["Des clés d'accès ont été retirées de votre compte", null],
        'support_reset.created': ["Une réinitialisation de vos clés d'accès par le support a été lancée", 'annule la réinitialisation par le support ;'],
        'second_factor.added/totp': ["Une application d'authentification a été ajoutée à votre compte", "supprime cette application d'authentification ;"],
        'second_factor.added/recovery_codes': ['Des codes de récupération ont été créés pour votre compte', 'supprime ces codes de récupération ;'],
        'second_factor.regenerated': ['De nouveaux codes de récupération ont été créés pour votre compte', 'supprime ces codes de récupération ;'],
        'second_factor.removed': ['Un second facteur a été retiré de votre compte', null],
        'second_factor.used': ['Un second facteur a servi à récupérer votre compte', null],
        other: ['Une modification de sécurité a été apportée à votre compte', null],
      },
    },
    es: {
      title: '¿Fuiste tú?',
      loading: 'Comprobando el enlace…',
      when: 'el {when}',
      intro: 'Si no lo hiciste tú ni se lo pediste a nadie, infórmalo. Al informarlo:',
      signOut: 'se cierra la sesión de todos en tu cuenta de {app}, en todos los dispositivos;',
      lock: 'se bloquea la recuperación de la cuenta por correo hasta que el soporte de {app} la desbloquee.',
      keep: 'Las llaves de acceso que aún tienes siguen funcionando. Si fuiste tú, cierra esta página: no ha cambiado nada.',
      button: 'No he sido yo: proteger mi cuenta',
      retry: 'No se pudo contactar con el servicio. Reintentar',
      reported: 'Informado',
      secured: 'Gracias. Tu cuenta está protegida.',
      next: 'Se ha cerrado la sesión de todos y la recuperación de la cuenta está bloqueada. Contacta con el soporte de {app} para recuperar el acceso; podrán desbloquear tu cuenta cuando hayan comprobado que eres tú.',
      mailbox: 'Puede que otra persona haya accedido a tu correo: cambia su contraseña y cierra sus otras sesiones.',
      unusable: 'Este enlace no se puede usar',
      incomplete: 'Este enlace está incompleto. Vuelve a abrirlo desde el correo, copiando la dirección completa.',
      invalid: 'Este enlace no es válido. Vuelve a abrirlo desde el correo, copiando la dirección completa.',
      used: 'Este evento ya se informó. Tu cuenta está bloqueada; contacta con el soporte para recuperar el acceso.',
      expired: 'Este enlace ha caducado (los enlaces sirven 7 días). Si algo te sigue pareciendo raro, contacta con el soporte.',
      tooMany: 'Demasiados intentos. Espera un minuto y vuelve a cargar la página.',
      failed: 'Algo ha fallado. Vuelve a cargar la página para intentarlo de nuevo.',
      unreachable: 'No se pudo contactar con el servicio. Comprueba tu conexión y vuelve a cargar la página.',
      events: {
        'passkey.registered': ['Se añadió una nueva llave de acceso a tu cuenta', 'se quita la llave de acceso añadida;'],
        'passkeys.revoked': ['Se quitaron llaves de acceso de tu cuenta', null],
        'support_reset.created': ['Se inició un restablecimiento de tus llaves de acceso por el soporte', 'se cancela el restablecimiento por el soporte;'],
        'second_factor.added/totp': ['Se añadió una app de autenticación a tu cuenta', 'se quita esa app de autenticación;'],
        'second_factor.added/recovery_codes': ['Se crearon códigos de recuperación para tu cuenta', 'se quitan esos códigos de recuperación;'],
        'second_factor.regenerated': ['Se crearon nuevos códigos de recuperación para tu cuenta', 'se quitan esos códigos de recuperación;'],
        'second_factor.removed': ['Se quitó un segundo factor de tu cuenta', null],
        'second_factor.used': ['Se usó un segundo factor para recuperar tu cuenta', null],
        other: ['Se hizo un cambio de seguridad en tu cuenta', null],
      },
    },
    pt: {
      title: 'Foi você?',
      loading: 'A verificar a ligação…',
      when: 'em {when}',
      intro: 'Se não foi você nem pediu a ninguém, comunique-o. Ao comunicar:',
      signOut: 'todos terminam a sessão na sua conta {app}, em todos os dispositivos;',
      lock: 'a recuperação da conta por email fica bloqueada até o suporte de {app} a desbloquear.',
      keep: 'As chaves de acesso que ainda tem continuam a funcionar. Se foi você, feche esta página: nada mudou.',
      button: 'Não fui eu — proteger a minha conta',
      retry: 'Não foi possível contactar o serviço. Tentar de novo',
      reported: 'Comunicado',
      secured: 'Obrigado. A sua conta está protegida.',
      next: 'Todos terminaram a sessão e a recuperação da conta está bloqueada. Contacte o suporte de {app} para recuperar o acesso; podem desbloquear a sua conta depois de confirmarem que é você.',
      mailbox: 'Outra pessoa pode ter acedido ao seu email: altere a palavra-passe e termine as outras sessões.',
      unusable: 'Esta ligação não pode ser usada',
      incomplete: 'Esta ligação está incompleta. Abra-a de novo a partir do email, copiando o endereço completo.',
      invalid: 'Esta ligação não é válida. Abra-a de novo a partir do email, copiando o endereço completo.',
      used: 'Este evento já foi comunicado. A sua conta está bloqueada; contacte o suporte para recuperar o acesso.',
      expired: 'Esta ligação expirou (as ligações valem 7 dias). Se algo ainda lhe parecer errado, contacte o suporte.',
      tooMany: 'Demasiadas tentativas. Aguarde um minuto e recarregue a página.',
      failed: 'Algo correu mal. Recarregue a página para tentar de novo.',
      unreachable: 'Não foi possível contactar o serviço. Verifique a ligação à Internet e recarregue a página.',
      events: {
        'passkey.registered': ['Foi adicionada uma nova chave de acesso à sua conta', 'remove a chave de acesso adicionada;'],
        'passkeys.revoked': ['Foram removidas chaves de acesso da sua conta', null],
        'support_reset.created': ['Foi iniciada uma reposição das suas chaves de acesso pelo suporte', 'cancela a reposição pelo suporte;'],
        'second_factor.added/totp': ['Foi adicionada uma app de autenticação à sua conta', 'remove essa app de autenticação;'],
        'second_factor.added/recovery_codes': ['Foram criados códigos de recuperação para a sua conta', 'remove esses códigos de recuperação;'],
        'second_factor.regenerated': ['Foram criados novos códigos de recuperação para a sua conta', 'remove esses códigos de recuperação;'],
        'second_factor.removed': ['Foi removido um segundo fator da sua conta', null],
        'second_factor.used': ['Foi usado um segundo fator para recuperar a sua conta', null],
        other: ['Foi feita uma alteração de segurança na sua conta', null],
      },
    },
  };

  const supported = (tag) => {
    const base = String(tag || '')
      .toLowerCase()
      .split(/[-_]/)[0];
    return Object.prototype.hasOwnProperty.call(TEXT, base) ? base : null;
  };
  let locale = (navigator.languages || [navigator.language]).map(supported).find(Boolean) || 'en';
  let appName = '';

  const t = (key) => TEXT[locale][key].replace('{app}', appName);
  const $ = (id) => document.getElementById(id);

  /** Every static text of the page in the current language. */
  const translate = () => {
    document.documentElement.lang = locale;
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  };

  const show = (id) => {
    for (const s of ['loading', 'confirm', 'done', 'problem']) $(s).hidden = s !== id;
  };

  const problem = (key) => {
    $('title').textContent = t('unusable');
    $('problem-text').textContent = t(key);
    show('problem');
  };

  const explain = (res) => {
    const body = res.body || {};
    if (res.status === 401) return 'invalid';
    if (body.code === 'session_expired' && body.reason === 'used') return 'used';
    if (body.code === 'session_expired') return 'expired';
    if (res.status === 429) return 'tooMany';
    return 'failed';
  };

  const post = async (path, token) => {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };

  const showPreview = (token, preview) => {
    locale = supported(preview.locale) || locale;
    appName = preview.appName;
    translate();
    const events = TEXT[locale].events;
    const [what, undo] = events[`${preview.event}/${preview.factor}`] || events[preview.event] || events.other;
    $('what').textContent = `${what}.`;
    $('when').textContent = t('when').replace('{when}', new Date(preview.occurredAt).toLocaleString(locale));
    if (undo) {
      $('undo').textContent = undo;
      $('undo').hidden = false;
    }
    show('confirm');
    $('report').addEventListener('click', async () => {
      $('report').disabled = true;
      let res;
      try {
        res = await post('/v1/security/report', token);
      } catch {
        $('report').disabled = false;
        $('report').textContent = t('retry');
        return;
      }
      if (res.status === 200 && res.body && res.body.reported) {
        $('title').textContent = t('reported');
        show('done');
      } else {
        problem(explain(res));
      }
    });
  };

  const start = async () => {
    translate();
    const token = new URLSearchParams(location.hash.slice(1)).get('token');
    if (!token) return problem('incomplete');
    let res;
    try {
      res = await post('/v1/security/report/preview', token);
    } catch {
      return problem('unreachable');
    }
    if (res.status !== 200) return problem(explain(res));
    // The page has what it needs: the token leaves the address bar (history, screenshots, sharing).
    history.replaceState(null, '', location.pathname + location.search);
    showPreview(token, res.body);
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

//! Permission checks, in one place, done on the server with what Discord sends in the
//! interaction (the member's computed permissions and roles), never trusting the client UI.

use crate::app::App;
use crate::error::UserError;
use crate::ids::GuildId;
use chrono::{DateTime, Duration, Utc};
use poise::serenity_prelude as serenity;
use serenity::Permissions;
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a member waits between two posts the bot makes in a channel for them ("Post in
/// channel", a public `/explain`), in seconds.
pub const POST_COOLDOWN_SECONDS: i64 = 30;

/// Who is acting, as Discord describes them in the interaction.
pub struct Actor<'a> {
    pub guild: Option<GuildId>,
    pub member: Option<&'a serenity::Member>,
}

impl<'a> Actor<'a> {
    pub fn from_ctx(ctx: &'a super::Context<'_>) -> Actor<'a> {
        let member = match ctx {
            poise::Context::Application(a) => a.interaction.member.as_deref(),
            poise::Context::Prefix(_) => None,
        };
        Actor {
            guild: ctx.guild_id().map(GuildId::from),
            member,
        }
    }

    /// The clicker of a button or menu.
    pub fn from_component(c: &'a serenity::ComponentInteraction) -> Actor<'a> {
        Actor {
            guild: c.guild_id.map(GuildId::from),
            member: c.member.as_ref(),
        }
    }

    pub fn guild(&self) -> Result<GuildId, UserError> {
        self.guild.ok_or(UserError::GuildOnly)
    }

    /// May the member send messages in the interaction's channel? Discord computes
    /// `member.permissions` for that channel (overwrites included).
    pub fn may_send_messages(&self) -> bool {
        self.has(Permissions::SEND_MESSAGES)
    }

    fn has(&self, perm: Permissions) -> bool {
        self.member
            .and_then(|m| m.permissions)
            .map(|p| p.contains(perm) || p.administrator())
            .unwrap_or(false)
    }

    /// Requires `perm` (administrators always pass).
    pub fn require(&self, perm: Permissions, name: &'static str) -> Result<GuildId, UserError> {
        let g = self.guild()?;
        if self.has(perm) {
            Ok(g)
        } else {
            Err(UserError::MissingPermission(name))
        }
    }

    /// Requires `perm` or the guild's moderator role (from `/settings`).
    pub async fn require_moderator(
        &self,
        app: &App,
        perm: Permissions,
        name: &'static str,
    ) -> anyhow::Result<GuildId> {
        let g = self.guild()?;
        if self.has(perm) {
            return Ok(g);
        }
        let settings = crate::store::settings::get(&app.db, g).await?;
        if let (Some(role), Some(m)) = (settings.moderator_role, self.member) {
            if m.roles.iter().any(|r| crate::ids::RoleId::from(*r) == role) {
                return Ok(g);
            }
        }
        Err(UserError::NotModerator(name).into())
    }
}

/// The user a message was made for: whoever ran the interaction that created it (`None` when
/// Discord does not say, e.g. a message the bot posted by itself).
pub fn message_owner(m: &serenity::Message) -> Option<u64> {
    use serenity::MessageInteractionMetadata as M;
    match m.interaction_metadata.as_deref() {
        Some(M::Command(x)) => Some(x.user.id.get()),
        Some(M::Component(x)) => Some(x.user.id.get()),
        Some(M::ModalSubmit(x)) => Some(x.user.id.get()),
        _ => None,
    }
}

/// Why the bot will not post in the channel for a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostRefused {
    /// The member may not send messages in that channel.
    NoSendMessages,
    /// The member posted through the bot recently; they may again at this time.
    CoolingDown(DateTime<Utc>),
}

impl PostRefused {
    /// What the member is told.
    pub fn message(self) -> String {
        match self {
            PostRefused::NoSendMessages => {
                "You cannot send messages in this channel, so I will not post there for you.".into()
            }
            PostRefused::CoolingDown(at) => format!(
                "You shared a result a moment ago; you can post again <t:{}:R>.",
                at.timestamp()
            ),
        }
    }
}

/// When each member last had the bot post in a channel for them, per guild. Kept in memory:
/// a restart only forgets a few seconds of cooldown, which promises nothing to anyone.
#[derive(Default)]
pub struct PostCooldowns(Mutex<HashMap<(u64, u64), DateTime<Utc>>>);

impl PostCooldowns {
    /// May `actor` have the bot post in the interaction's channel now? On `Ok` the post is
    /// counted (the cooldown starts at `now`).
    pub fn try_post(
        &self,
        actor: &Actor<'_>,
        user: u64,
        now: DateTime<Utc>,
    ) -> Result<(), PostRefused> {
        if !actor.may_send_messages() {
            return Err(PostRefused::NoSendMessages);
        }
        let key = (actor.guild.map_or(0, |g| g.get()), user);
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(last) = map.get(&key) {
            let next = *last + Duration::seconds(POST_COOLDOWN_SECONDS);
            if now < next {
                return Err(PostRefused::CoolingDown(next));
            }
        }
        // Forget old entries now and then so the map stays small.
        if map.len() > 10_000 {
            map.retain(|_, t| now - *t < Duration::seconds(POST_COOLDOWN_SECONDS));
        }
        map.insert(key, now);
        Ok(())
    }
}

/// Permissions a certificate role must not carry: whoever may set the role could otherwise
/// hand these out by passing an exam (or give them to themselves).
pub const ELEVATED: Permissions = Permissions::ADMINISTRATOR
    .union(Permissions::MANAGE_GUILD)
    .union(Permissions::MANAGE_ROLES)
    .union(Permissions::MANAGE_CHANNELS)
    .union(Permissions::MANAGE_MESSAGES)
    .union(Permissions::KICK_MEMBERS)
    .union(Permissions::BAN_MEMBERS)
    .union(Permissions::MENTION_EVERYONE);

/// The names of the [`ELEVATED`] permissions in `p`, as Discord's settings show them.
fn elevated_names(p: Permissions) -> Vec<&'static str> {
    [
        (Permissions::ADMINISTRATOR, "Administrator"),
        (Permissions::MANAGE_GUILD, "Manage Server"),
        (Permissions::MANAGE_ROLES, "Manage Roles"),
        (Permissions::MANAGE_CHANNELS, "Manage Channels"),
        (Permissions::MANAGE_MESSAGES, "Manage Messages"),
        (Permissions::KICK_MEMBERS, "Kick Members"),
        (Permissions::BAN_MEMBERS, "Ban Members"),
        (Permissions::MENTION_EVERYONE, "Mention Everyone"),
    ]
    .into_iter()
    .filter(|(bit, _)| p.contains(*bit))
    .map(|(_, name)| name)
    .collect()
}

/// Where a role stands in the guild's hierarchy: higher `position` is higher. Roles that
/// share a position count as the same level (so such a role is "at" the invoker's).
fn rank(r: &serenity::Role) -> u16 {
    r.position
}

/// Why `role` may not be given as a certificate role by an invoker whose highest role is
/// `invoker_top` (`None`: only @everyone), or `None` when it may. The guild owner passes the
/// hierarchy rule (`is_owner`), never the others.
pub fn cert_role_refusal(
    role: &serenity::Role,
    guild: u64,
    invoker_top: Option<&serenity::Role>,
    is_owner: bool,
) -> Option<String> {
    if role.id.get() == guild {
        return Some("@everyone cannot be a certificate role.".into());
    }
    if role.managed {
        return Some(format!(
            "<@&{}> is managed by an integration (a bot or a subscription); pick a role of your own.",
            role.id.get()
        ));
    }
    let elevated = role.permissions & ELEVATED;
    if !elevated.is_empty() {
        return Some(format!(
            "<@&{}> has elevated permissions ({}); a certificate role may not grant them.",
            role.id.get(),
            elevated_names(elevated).join(", ")
        ));
    }
    if !is_owner {
        let above = match invoker_top {
            Some(top) => rank(role) >= rank(top),
            None => true,
        };
        if above {
            return Some(format!(
                "<@&{}> is at or above your highest role; pick a role below it.",
                role.id.get()
            ));
        }
    }
    None
}

/// The highest of `member_roles` among the guild's `roles` (`None` when the member has none).
pub fn highest_role<'r>(
    roles: &'r std::collections::HashMap<serenity::RoleId, serenity::Role>,
    member_roles: &[serenity::RoleId],
) -> Option<&'r serenity::Role> {
    member_roles
        .iter()
        .filter_map(|id| roles.get(id))
        .max_by_key(|r| rank(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUILD: u64 = 1;

    fn role(id: u64, position: u16, perms: Permissions, managed: bool) -> serenity::Role {
        serde_json::from_value(serde_json::json!({
            "id": id.to_string(), "name": "r", "color": 0, "colors": {"primary_color": 0}, "hoist": false, "icon": null,
            "unicode_emoji": null, "position": position, "permissions": perms.bits().to_string(),
            "managed": managed, "mentionable": false, "flags": 0
        }))
        .expect("a role")
    }

    #[test]
    fn certificate_roles_are_plain_roles_below_the_invoker() {
        let top = role(10, 5, Permissions::MANAGE_GUILD, false);
        let ok = role(11, 2, Permissions::SEND_MESSAGES, false);
        assert_eq!(cert_role_refusal(&ok, GUILD, Some(&top), false), None);
        // Managed roles, @everyone, elevated permissions: refused, even for the owner.
        for (r, what) in [
            (role(12, 1, Permissions::empty(), true), "managed"),
            (role(GUILD, 0, Permissions::empty(), false), "@everyone"),
            (
                role(13, 1, Permissions::ADMINISTRATOR, false),
                "Administrator",
            ),
            (
                role(14, 1, Permissions::MANAGE_ROLES, false),
                "Manage Roles",
            ),
            (
                role(15, 1, Permissions::MANAGE_CHANNELS, false),
                "Manage Channels",
            ),
            (
                role(16, 1, Permissions::MANAGE_MESSAGES, false),
                "Manage Messages",
            ),
            (
                role(17, 1, Permissions::KICK_MEMBERS, false),
                "Kick Members",
            ),
            (role(18, 1, Permissions::BAN_MEMBERS, false), "Ban Members"),
            (
                role(19, 1, Permissions::MENTION_EVERYONE, false),
                "Mention Everyone",
            ),
            (
                role(20, 1, Permissions::MANAGE_GUILD, false),
                "Manage Server",
            ),
        ] {
            let why = cert_role_refusal(&r, GUILD, Some(&top), true).expect(what);
            assert!(why.contains(what), "{what}: {why}");
        }
        // At or above the invoker's highest role: refused, unless the invoker owns the guild.
        let same = role(21, 5, Permissions::empty(), false);
        let above = role(22, 7, Permissions::empty(), false);
        let older_same_position = role(9, 5, Permissions::empty(), false);
        for r in [&same, &above, &older_same_position] {
            assert!(cert_role_refusal(r, GUILD, Some(&top), false).is_some());
            assert!(cert_role_refusal(r, GUILD, None, false).is_some());
            assert_eq!(cert_role_refusal(r, GUILD, Some(&top), true), None);
        }
        let below = role(30, 4, Permissions::empty(), false);
        assert_eq!(cert_role_refusal(&below, GUILD, Some(&top), false), None);
    }
}

//! Permission checks, in one place, done on the server with what Discord sends in the
//! interaction (the member's computed permissions and roles), never trusting the client UI.

use crate::app::App;
use crate::error::UserError;
use poise::serenity_prelude as serenity;
use serenity::Permissions;

/// Who is acting, as Discord describes them in the interaction.
pub struct Actor<'a> {
    pub guild: Option<u64>,
    pub member: Option<&'a serenity::Member>,
}

impl<'a> Actor<'a> {
    pub fn from_ctx(ctx: &'a super::Context<'_>) -> Actor<'a> {
        let member = match ctx {
            poise::Context::Application(a) => a.interaction.member.as_deref(),
            poise::Context::Prefix(_) => None,
        };
        Actor {
            guild: ctx.guild_id().map(|g| g.get()),
            member,
        }
    }

    pub fn guild(&self) -> Result<u64, UserError> {
        self.guild.ok_or(UserError::GuildOnly)
    }

    fn has(&self, perm: Permissions) -> bool {
        self.member
            .and_then(|m| m.permissions)
            .map(|p| p.contains(perm) || p.administrator())
            .unwrap_or(false)
    }

    /// Requires `perm` (administrators always pass).
    pub fn require(&self, perm: Permissions, name: &'static str) -> Result<u64, UserError> {
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
    ) -> anyhow::Result<u64> {
        let g = self.guild()?;
        if self.has(perm) {
            return Ok(g);
        }
        let settings = crate::store::settings::get(&app.db, g).await?;
        if let (Some(role), Some(m)) = (settings.moderator_role, self.member) {
            if m.roles.iter().any(|r| r.get() == role) {
                return Ok(g);
            }
        }
        Err(UserError::NotModerator(name).into())
    }
}

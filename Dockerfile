# One image, six roles: api, projector, worker and scheduler run `gongzhi <command>`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY gongzhi ./gongzhi
RUN pip install . && useradd --system --home /app gongzhi && chown -R gongzhi /app

USER gongzhi
ENV GONGZHI_ENV=production GONGZHI_HTTP_HOST=0.0.0.0 GONGZHI_HTTP_PORT=8000
EXPOSE 8000
ENTRYPOINT ["gongzhi"]
CMD ["serve"]
